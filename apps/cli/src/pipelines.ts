/**
 * The pipelines this build of prelabel ships, by name (also their queue names), built for one
 * process. `patterns` is static; `ner` needs its model: a worker loads it (an onnxruntime session,
 * once per process; a broken model directory stops the worker with the reason), while the gateway
 * only reads its description (labels, digest → model_version) and goes on without `ner` when the
 * model directory is unusable.
 */
import type { ServiceConfig } from '@prelabel/shared/config/config';
import type { Logger } from '@prelabel/shared/logging/logger';
import type { Pipeline } from '@prelabel/shared/pipelines/pipeline';
import { DEFAULT_NER_MODEL_DIR } from '@prelabel/worker-ner/default-model';
import { createNerPipeline } from '@prelabel/worker-ner/ner.pipeline';
import { describeNerModel, loadNerModel, type NerModel } from '@prelabel/worker-ner/ner-model';
import { patternsPipeline } from '@prelabel/worker-patterns/patterns.pipeline';

/** Every pipeline name, whether or not this process can run it. */
export const PIPELINE_NAMES = ['patterns', 'ner'] as const;

export interface LoadedPipelines {
  pipelines: ReadonlyMap<string, Pipeline>;
  /** Releases model sessions. */
  dispose(): Promise<void>;
}

export async function loadPipelines(
  config: ServiceConfig,
  log: Logger,
  mode: { runNer: boolean },
): Promise<LoadedPipelines> {
  const pipelines = new Map<string, Pipeline>([[patternsPipeline.name, patternsPipeline as Pipeline]]);
  const dir = config.ner.modelDir ?? DEFAULT_NER_MODEL_DIR;
  let model: NerModel | undefined;
  if (mode.runNer) {
    model = await loadNerModel({
      dir,
      device: config.ner.device,
      maxBatchSize: config.ner.maxBatchSize,
      maxWaitMs: config.ner.maxWaitMs,
      ...(config.ner.intraOpThreads ? { intraOpThreads: config.ner.intraOpThreads } : {}),
      ...(config.ner.interOpThreads ? { interOpThreads: config.ner.interOpThreads } : {}),
      log,
    });
    pipelines.set('ner', createNerPipeline(model) as Pipeline);
    log.info({ dir, device: model.device, labels: model.entityTypes }, 'NER model loaded');
  } else {
    try {
      const info = await describeNerModel(dir);
      pipelines.set(
        'ner',
        createNerPipeline({
          ...info,
          predict: () => Promise.reject(new Error('the gateway does not run models')),
        } as unknown as NerModel) as Pipeline,
      );
    } catch (error) {
      log.warn({ dir, reason: (error as Error).message }, 'the ner pipeline is unavailable');
    }
  }
  return {
    pipelines,
    async dispose() {
      await model?.dispose();
    },
  };
}
