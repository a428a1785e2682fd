/**
 * A text NER project for the spine's tests and benchmark: a `<Labels>` on `<Text>` config, texts
 * with emoji, flags, accents, combining marks and CJK before and between the entities, and
 * `patterns` options that find ORG and IMO entities in them (and nothing in some texts).
 */
import type { LabelStudioTestServer, PredictionRecord } from '../ls-server/ls-test-server.ts';

export const NER_CONFIG = `<View>
  <Labels name="label" toName="text">
    <Label value="ORG" background="red"/>
    <Label value="IMO" background="blue"/>
    <Label value="LOC" background="green"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`;

export const TEXTS = [
  'Café 😀 Acme Corp signed with the vessel IMO 9074729 in Zürich 🇨🇭 — task {id}',
  'Nothing to see here 👀, task {id}',
  'ACME corp and Globex 🎉 met at Ærø; the ship IMO1234567 left. #{id}',
  '日本語のテキスト 😀😀 Acme Corp, Globex 👩‍👩‍👧 IMO 7654321 ({id})',
  'Cafe\u0301 Globex 𝒜𝒷𝒸 Acme Corp — {id}',
];

export const PATTERN_OPTIONS = {
  patterns: [
    { label: 'ORG', pattern: 'Acme Corp' },
    { label: 'ORG', pattern: 'Globex' },
    { label: 'IMO', regex: 'IMO ?\\d{7}' },
  ],
  caseSensitive: false,
};

export function seedProject(ls: LabelStudioTestServer, tasks: number): number {
  const project = ls.createProject({ title: `spine ${tasks}`, label_config: NER_CONFIG });
  ls.createTasks(project.id, { count: tasks, texts: TEXTS });
  return project.id;
}

interface Region {
  value: { start: number; end: number; text: string; labels: string[] };
}

/** Checks every prediction of `modelVersion`: one per task, non-empty version, exact code-point spans. */
export function checkPredictions(ls: LabelStudioTestServer, project: number, modelVersion: string) {
  const predictions = ls.predictionsOf(project).filter((p: PredictionRecord) => p.model_version === modelVersion);
  const tasks = new Set(predictions.map((p) => p.task));
  let regions = 0;
  let badSpans = 0;
  for (const prediction of predictions) {
    const data = ls.getTask(prediction.task)?.data as { text?: string } | undefined;
    const text = String(data?.text);
    const chars = [...text];
    for (const region of prediction.result as Region[]) {
      regions += 1;
      if (chars.slice(region.value.start, region.value.end).join('') !== region.value.text) badSpans += 1;
    }
  }
  return {
    predictions: predictions.length,
    tasksWithPrediction: tasks.size,
    duplicates: ls.duplicates(project, modelVersion),
    regions,
    badSpans,
    emptyVersions: predictions.filter((p) => !p.model_version).length,
  };
}
