/**
 * The pdf pipeline end to end: the gateway, scan/pdf/writeback workers and the extraction pool,
 * against the LS test server (uploads, PATCH of task data, file uploads) and, for page images in a
 * bucket, a real S3-compatible server. PDFs are pdf-parse@1.1.1's test files (the two-column
 * tracemonkey paper among them), uploaded to the project as LS stores uploads.
 *
 * - layout: page images stored and listed in the task's data, regions valid for LS (inside 0–100 %,
 *   `item_index` within the pages, labels from the config, split-region pairs sharing an id),
 *   exactly one prediction per task, and a second run neither re-uploads pages nor writes twice;
 *   a non-PDF, a missing file and a refused URL fail alone with their reasons;
 * - transcription: the text of the document in the `<TextArea>`; an encrypted PDF opens with the
 *   password from task data or the run options (same model_version), and fails alone without it;
 * - text: the text lands in a task data field, and a `patterns` run then labels that field;
 * - layout of a document longer than a page-image batch: rendered and uploaded a batch at a time,
 *   the page list in page order, and a retry after a failed write resumes without uploading again;
 * - layout with page images in S3;
 * - `/setup` without Extra params picks `pdf` for a layout or `<PDF>` config.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunView } from '../../shared/src/runs/run-store.ts';
import { minimalPdf } from '../../workers/pdf/src/extract/testing/minimal-pdf.ts';
import { LAYOUT_TEMPLATE, TRANSCRIPTION_TEMPLATE } from '../../workers/pdf/src/ls-templates.ts';
import { PAGE_IMAGE_BATCH } from '../../workers/pdf/src/pdf.pipeline.ts';
import { pdfDatasetsDir } from '../support/pdf-text-compare.ts';
import { startTestS3Server, type TestS3Server } from '../support/s3-server.ts';
import { type Stack, startStack, waitFor } from '../support/stack.ts';

/** A LibreOffice PDF whose user password is in its name (skipped, saying so, without the datasets). */
const PASSWORD_PDF = join(pdfDatasetsDir(), 'debian/forensics-samples-files/a-text-pass-peanuts.pdf');
if (!existsSync(PASSWORD_PDF)) console.log(`pdf-pipeline: ${PASSWORD_PDF} is absent; the password case is skipped`);
const PDF_DIR = join(dirname(createRequire(import.meta.url).resolve('pdf-parse/package.json')), 'test', 'data');
const pdf = (name: string) => new Uint8Array(readFileSync(join(PDF_DIR, name)));
/** pdf-parse's test data: 01 is the 14-page tracemonkey paper, 03 a damaged PDF. */
const TRACEMONKEY = '01-valid.pdf';
const SHORT = '05-versions-space.pdf';
const DAMAGED = '03-invalid.pdf';

const LAYOUT_CONFIG = LAYOUT_TEMPLATE;
const LAYOUT_LABELS = ['Title', 'Text', 'List', 'Table', 'Figure', 'Header', 'Footer'];
const TRANSCRIPTION_CONFIG = TRANSCRIPTION_TEMPLATE;

const NER_ON_TEXT_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Labels name="label" toName="text"><Label value="ENGINE"/></Labels>
</View>`;

interface Region {
  id: string;
  from_name: string;
  to_name: string;
  type: string;
  item_index?: number;
  original_width?: number;
  original_height?: number;
  value: Record<string, unknown> & { x: number; y: number; width: number; height: number };
}

let stack: Stack | undefined;
let s3Server: TestS3Server | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  await s3Server?.close();
  s3Server = undefined;
});

const finished = (s: Stack, id: string) =>
  waitFor(
    async () => {
      const run = (await s.api<RunView>('GET', `/api/runs/${id}`)).body;
      return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
    },
    120_000,
    `run ${id}`,
  );

async function runToEnd(s: Stack, body: Record<string, unknown>): Promise<RunView> {
  const created = await s.api<{ id: string }>('POST', '/api/runs', body);
  expect(created.status).toBe(202);
  return finished(s, created.body.id);
}

function failuresOf(s: Stack, runId: string) {
  return s.api<{ failures: { task: number; reason: string }[] }>('GET', `/api/runs/${runId}/failures`);
}

/** Every check the issue lists for layout predictions, on every stored prediction of the version. */
function checkLayout(s: Stack, project: number, modelVersion: string) {
  const predictions = s.ls.predictionsOf(project).filter((p) => p.model_version === modelVersion);
  let regions = 0;
  for (const prediction of predictions) {
    const data = s.ls.getTask(prediction.task)!.data as { pages?: unknown };
    expect(Array.isArray(data.pages)).toBe(true);
    const pages = data.pages as string[];
    const byId = new Map<string, Region[]>();
    for (const region of prediction.result as Region[]) {
      regions += 1;
      expect(region.to_name).toBe('page');
      expect(Number.isInteger(region.item_index)).toBe(true);
      expect(region.item_index).toBeGreaterThanOrEqual(0);
      expect(region.item_index).toBeLessThan(pages.length);
      const { x, y, width, height } = region.value;
      for (const n of [x, y, width, height]) expect(n).toBeGreaterThanOrEqual(0);
      expect(width).toBeGreaterThan(0);
      expect(height).toBeGreaterThan(0);
      expect(x + width).toBeLessThanOrEqual(100.0001);
      expect(y + height).toBeLessThanOrEqual(100.0001);
      expect(region.original_width).toBeGreaterThan(0);
      expect(region.original_height).toBeGreaterThan(0);
      if (region.type === 'rectanglelabels') {
        expect(region.from_name).toBe('region');
        expect(LAYOUT_LABELS).toEqual(expect.arrayContaining(region.value.rectanglelabels as string[]));
      } else {
        expect(region).toMatchObject({ from_name: 'transcription', type: 'textarea' });
        expect((region.value.text as string[])[0]).toMatch(/\S/);
      }
      byId.set(region.id, [...(byId.get(region.id) ?? []), region]);
    }
    // Split-region format: a transcription shares its rectangle's id and geometry.
    for (const group of byId.values()) {
      const rectangle = group.find((region) => region.type === 'rectanglelabels');
      expect(rectangle).toBeDefined();
      for (const region of group) {
        expect({ ...region.value, rectanglelabels: undefined, text: undefined }).toStrictEqual({
          ...rectangle!.value,
          rectanglelabels: undefined,
          text: undefined,
        });
      }
    }
  }
  return { predictions: predictions.length, regions, duplicates: s.ls.duplicates(project, modelVersion) };
}

describe('the pdf pipeline end to end', () => {
  it('fills the layout template exactly once, with valid regions and stored page images', async () => {
    stack = await startStack({ env: { PDF_THREADS: '2' } });
    const project = stack.ls.createProject({ label_config: LAYOUT_CONFIG }).id;
    const paper = stack.ls.putUpload(project, 'tracemonkey.pdf', pdf(TRACEMONKEY));
    const short = stack.ls.putUpload(project, 'short.pdf', pdf(SHORT));
    const damaged = stack.ls.putUpload(project, 'damaged.pdf', pdf(DAMAGED));
    const notPdf = stack.ls.putUpload(project, 'notes.pdf', new TextEncoder().encode('meeting notes, not a PDF'));
    stack.ls.setFileSettings({ localFilesServingEnabled: true });
    stack.ls.addLocalFilesStorage(project, '/scans');
    // As the README says to import them: LS expects every key the config reads.
    const good = stack.ls.createTasks(project, {
      tasks: [{ data: { pdf: paper.url, pages: [] } }, { data: { pdf: short.url, pages: [] } }],
    });
    const bad = stack.ls.createTasks(project, {
      tasks: [
        { data: { pdf: damaged.url } },
        { data: { pdf: notPdf.url } },
        { data: { pdf: '/data/local-files/?d=scans/missing.pdf' } },
        { data: { pdf: 'http://169.254.169.254/latest/meta-data/' } },
      ],
    });

    const run = await runToEnd(stack, { project, pipeline: 'pdf' });
    expect(run).toMatchObject({ status: 'completed', total: 6, done: 2, failed: 4 });
    expect(run.modelVersion).toMatch(/^pdf-v1-[0-9a-f]{8}$/);
    const failures = (await failuresOf(stack, run.id)).body.failures;
    const reasons = new Map(failures.map((failure) => [failure.task, failure.reason]));
    expect(reasons.get(bad.firstId!)).toMatch(/^PDF damaged: /);
    expect(reasons.get(bad.firstId! + 1)).toMatch(/^PDF not_pdf: /);
    expect(reasons.get(bad.firstId! + 2)).toMatch(/local-files\/\?d=scans(\/|%2F)missing\.pdf: .*404/);
    expect(reasons.get(bad.firstId! + 3)).toMatch(/169\.254\.169\.254.*refused/);

    const first = checkLayout(stack, project, run.modelVersion);
    expect(first).toMatchObject({ predictions: 2, duplicates: 0 });
    expect(first.regions).toBeGreaterThan(40);
    const paperData = stack.ls.getTask(good.firstId!)!.data as { pages: string[]; pages_digest: string };
    expect(paperData.pages).toHaveLength(14);
    expect(paperData.pages[0]).toMatch(/^\/data\/upload\/\d+\/.*page-1\.png$/);
    const image = stack.ls.uploadBytes(paperData.pages[0]!.slice('/data/'.length));
    expect(Buffer.from(image!.subarray(0, 8)).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
    const uploads = stack.ls.uploadsOf(project).length;
    expect(uploads).toBe(4 + 15);

    // Again, rewriting every prediction: the pages of the same file and scale are not uploaded again.
    const again = await runToEnd(stack, { project, pipeline: 'pdf', mode: 'all' });
    expect(again).toMatchObject({ status: 'completed', done: 2, failed: 4, modelVersion: run.modelVersion });
    expect(stack.ls.uploadsOf(project)).toHaveLength(uploads);
    expect(checkLayout(stack, project, run.modelVersion)).toStrictEqual(first);
  });

  it("renders and uploads a long document's page images a batch at a time, and resumes after a failure", async () => {
    stack = await startStack();
    const project = stack.ls.createProject({ label_config: LAYOUT_CONFIG }).id;
    // Every page a different width, so each stored image tells which page it is.
    const pageCount = PAGE_IMAGE_BATCH + 4;
    const widths = Array.from({ length: pageCount }, (_, index) => 200 + 10 * index);
    const long = minimalPdf(
      widths.map((width, index) => ({
        width,
        height: 300,
        texts: [{ x: 20, y: 60, size: 12, text: `Page ${index + 1} of the long report` }],
      })),
    );
    const upload = stack.ls.putUpload(project, 'long.pdf', long);
    const task = stack.ls.createTasks(project, { tasks: [{ data: { pdf: upload.url, pages: [] } }] }).firstId!;
    const importsBefore = stack.ls.counters().requests['projects.import'] ?? 0;
    // Every page is stored, then writing the page list into the task fails once: the retry
    // finds the stored batches in its checkpoints and neither renders nor uploads them again.
    stack.ls.failNext([{ kind: '500-before', route: 'tasks.patch' }]);

    const run = await runToEnd(stack, { project, pipeline: 'pdf', options: { pageImageScale: 1 } });
    expect(run).toMatchObject({ status: 'completed', done: 1, failed: 0 });
    expect(stack.ls.counters().requests['tasks.patch']).toBe(2);
    // One upload request per batch (the pages were never all rendered at once), and none again.
    expect((stack.ls.counters().requests['projects.import'] ?? 0) - importsBefore).toBe(2);
    expect(stack.ls.uploadsOf(project)).toHaveLength(1 + pageCount);
    const pages = (stack.ls.getTask(task)!.data as { pages: string[] }).pages;
    expect(pages).toHaveLength(pageCount);
    pages.forEach((url, index) => {
      expect(url).toMatch(new RegExp(`page-${index + 1}\\.png$`));
      const png = stack!.ls.uploadBytes(url.slice('/data/'.length))!;
      // The PNG's IHDR width (bytes 16..19, big-endian) is the page's width at 1 px/pt.
      expect(Buffer.from(png).readUInt32BE(16)).toBe(widths[index]);
    });
    const regions = stack.ls.predictionsOf(project).flatMap((prediction) => prediction.result as Region[]);
    const last = regions.find((region) => region.item_index === pageCount - 1);
    expect(last?.original_width).toBe(widths[pageCount - 1]);
  });

  it('transcribes the document into the TextArea, and writes the text for an NER run', async () => {
    stack = await startStack({ env: { PDF_THREADS: '1' } });
    const project = stack.ls.createProject({ label_config: TRANSCRIPTION_CONFIG }).id;
    const short = stack.ls.putUpload(project, 'short.pdf', pdf(SHORT));
    const tasks = stack.ls.createTasks(project, { tasks: [{ data: { pdf: short.url } }] });
    const run = await runToEnd(stack, { project, pipeline: 'pdf', options: { transcription: 'page' } });
    expect(run).toMatchObject({ status: 'completed', done: 1, failed: 0 });
    const [prediction] = stack.ls.predictionsOf(project);
    expect(prediction!.task).toBe(tasks.firstId);
    expect(prediction!.result).toMatchObject([
      {
        from_name: 'transcription',
        to_name: 'document',
        type: 'textarea',
        value: { text: [expect.stringContaining('v.0.01')] },
      },
    ]);

    // The text template: the text goes into `text`, and a patterns run on that field labels it.
    const textProject = stack.ls.createProject({ label_config: NER_ON_TEXT_CONFIG }).id;
    const paper = stack.ls.putUpload(textProject, 'tracemonkey.pdf', pdf(TRACEMONKEY));
    const textTasks = stack.ls.createTasks(textProject, { tasks: [{ data: { pdf: paper.url } }] });
    const textRun = await runToEnd(stack, {
      project: textProject,
      pipeline: 'pdf',
      options: { template: 'text', textField: 'text' },
    });
    expect(textRun).toMatchObject({ status: 'completed', done: 1, failed: 0 });
    const text = (stack.ls.getTask(textTasks.firstId!)!.data as { text: string }).text;
    expect(text).toMatch(/Trace-based Just-in-Time Type Specialization for Dynamic\s+Languages/);
    expect(stack.ls.predictionsOf(textProject)[0]!.result).toStrictEqual([]);

    const labelled = await runToEnd(stack, {
      project: textProject,
      pipeline: 'patterns',
      options: { patterns: [{ label: 'ENGINE', pattern: 'SpiderMonkey' }] },
    });
    expect(labelled).toMatchObject({ status: 'completed', done: 1 });
    const spans = stack.ls.predictionsOf(textProject).filter((p) => p.model_version === labelled.modelVersion)[0]!
      .result as { value: { start: number; end: number; text: string } }[];
    expect(spans.length).toBeGreaterThan(3);
    for (const span of spans) {
      expect([...text].slice(span.value.start, span.value.end).join('').toLowerCase()).toBe('spidermonkey');
    }
  });

  it.skipIf(!existsSync(PASSWORD_PDF))(
    'opens an encrypted PDF with the password from task data or the run options, and says when it is missing',
    async () => {
      stack = await startStack({ env: { PDF_THREADS: '1' } });
      const project = stack.ls.createProject({ label_config: TRANSCRIPTION_CONFIG }).id;
      const locked = stack.ls.putUpload(project, 'locked.pdf', new Uint8Array(readFileSync(PASSWORD_PDF)));
      const tasks = stack.ls.createTasks(project, {
        tasks: [{ data: { pdf: locked.url, pdf_password: 'peanuts' } }, { data: { pdf: locked.url } }],
      });
      const run = await runToEnd(stack, { project, pipeline: 'pdf' });
      expect(run).toMatchObject({ status: 'completed', done: 1, failed: 1 });
      const [failure] = (await failuresOf(stack, run.id)).body.failures;
      expect(failure).toMatchObject({
        task: tasks.firstId! + 1,
        reason: expect.stringMatching(/^PDF password_required: /),
      });
      expect(stack.ls.predictionsOf(project)[0]!.result).toMatchObject([
        { value: { text: [expect.stringContaining('This is a text from LibreOffice Writer')] } },
      ]);

      // The run option opens the other; the password is not part of the model_version.
      const withOption = await runToEnd(stack, { project, pipeline: 'pdf', options: { password: 'peanuts' } });
      expect(withOption).toMatchObject({ status: 'completed', done: 1, skipped: 1, failed: 0 });
      expect(withOption.modelVersion).toBe(run.modelVersion);
      expect(stack.ls.duplicates(project, run.modelVersion)).toBe(0);
      expect(stack.ls.predictionsOf(project)).toHaveLength(2);
    },
  );

  it("keeps a task's PDF password out of every job payload (webhook batches, /predict chunks)", async () => {
    // No workers: the jobs stay in Redis as the gateway enqueued them.
    stack = await startStack({ workers: 'none', env: { PREDICT_DEADLINE_MS: '300' } });
    const project = stack.ls.createProject({ label_config: TRANSCRIPTION_CONFIG }).id;
    const tasks = stack.ls.createTasks(project, {
      tasks: [
        { data: { pdf: '/data/upload/1/a.pdf', pdf_password: 'SECRET-peanuts-1' } },
        { data: { pdf: '/data/upload/1/b.pdf', pdf_password: 'SECRET-peanuts-2' } },
      ],
      emitWebhooks: false,
    });
    const setup = await stack.api('POST', '/setup', { project: `${project}.1700000000`, schema: TRANSCRIPTION_CONFIG });
    expect(setup.status).toBe(200);
    const task = (id: number) => ({ id, data: stack!.ls.getTask(id)!.data });
    const predicted = await stack.api('POST', '/predict', {
      project: `${project}.1700000000`,
      label_config: TRANSCRIPTION_CONFIG,
      tasks: [task(tasks.firstId!)],
    });
    expect(predicted.status).toBe(200);
    const hooked = await stack.api('POST', '/webhook', {
      action: 'TASKS_CREATED',
      project: { id: project },
      tasks: [task(tasks.firstId! + 1)],
    });
    expect(hooked.status).toBe(201);

    const values: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await stack.redis.scan(cursor, 'MATCH', `${stack.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        if ((await stack.redis.type(key)) === 'hash') values.push(...Object.values(await stack.redis.hgetall(key)));
      }
    } while (cursor !== '0');
    const payloads = values.filter((value) => value.includes('/data/upload/1/'));
    // One pdf chunk from /predict, one scan batch from the webhook: the data is there, the password is not.
    expect(payloads.length).toBeGreaterThanOrEqual(2);
    expect(values.filter((value) => value.includes('SECRET-peanuts'))).toStrictEqual([]);
  });

  it('is what /setup infers for a layout or a PDF config without Extra params', async () => {
    stack = await startStack();
    for (const schema of [LAYOUT_CONFIG, TRANSCRIPTION_CONFIG]) {
      const response = await stack.api<{ model_version: string }>('POST', '/setup', {
        project: '9.1700000000',
        schema,
      });
      expect(response.status).toBe(200);
      expect(response.body.model_version).toMatch(/^pdf-v1-[0-9a-f]{8}$/);
    }
  });

  it('stores layout page images in an S3 bucket when configured', async () => {
    s3Server = await startTestS3Server({
      buckets: ['pages'],
      accessKeyId: 'PAGESKEY',
      secretAccessKey: 'pages-secret',
    });
    stack = await startStack({
      env: {
        PDF_THREADS: '1',
        PDF_PAGE_IMAGES: 's3',
        PDF_PAGE_IMAGE_BUCKET: 'pages',
        S3_ENDPOINT: s3Server.endpoint,
        S3_ACCESS_KEY_ID: 'PAGESKEY',
        S3_SECRET_ACCESS_KEY: 'pages-secret',
      },
    });
    const project = stack.ls.createProject({ label_config: LAYOUT_CONFIG }).id;
    const short = stack.ls.putUpload(project, 'short.pdf', pdf(SHORT));
    const tasks = stack.ls.createTasks(project, { tasks: [{ data: { pdf: short.url } }] });
    const run = await runToEnd(stack, { project, pipeline: 'pdf' });
    expect(run).toMatchObject({ status: 'completed', done: 1, failed: 0 });
    const pages = (stack.ls.getTask(tasks.firstId!)!.data as { pages: string[] }).pages;
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatch(
      new RegExp(`^s3://pages/prelabel/pages/${project}/${tasks.firstId}/[0-9a-f]{16}/page-1\\.png$`),
    );
    const key = pages[0]!.slice('s3://pages/'.length);
    const object = await fetch(`${s3Server.endpoint}/pages/${key}`);
    // s3rver answers anonymous reads of its buckets; the PNG is there.
    expect(object.status).toBe(200);
    expect(
      Buffer.from(await object.arrayBuffer())
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
    expect(checkLayout(stack, project, run.modelVersion)).toMatchObject({ predictions: 1, duplicates: 0 });
  });
});
