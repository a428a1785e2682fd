/**
 * The pipelines this build of prelabel ships, by name (also their queue names), built for one
 * process. `patterns` is static; `ner` needs its model: a worker loads it (an onnxruntime session,
 * once per process; a broken model directory stops the worker with the reason), while the gateway
 * only reads its description (labels, digest → model_version) and goes on without `ner` when the
 * model directory is unusable. `pdf` needs task file access, an extraction thread pool and the
 * page image store in a worker; the gateway only prepares it (template choice, options).
 */
import type { ServiceConfig } from '@prelabel/shared/config/config';
import { createDataAccess, type DataAccess } from '@prelabel/shared/data-access/data-access';
import type { LabelStudioClient } from '@prelabel/shared/label-studio/client';
import type { Logger } from '@prelabel/shared/logging/logger';
import type { Pipeline } from '@prelabel/shared/pipelines/pipeline';
import type { Checkpoints } from '@prelabel/shared/runtime/checkpoints';
import { DEFAULT_NER_MODEL_DIR } from '@prelabel/worker-ner/default-model';
import { createNerPipeline } from '@prelabel/worker-ner/ner.pipeline';
import { describeNerModel, loadNerModel, type NerModel } from '@prelabel/worker-ner/ner-model';
import { patternsPipeline } from '@prelabel/worker-patterns/patterns.pipeline';
import { createExtractionPool, type ExtractionPool } from '@prelabel/worker-pdf/extract/extraction-pool';
import {
  createLabelStudioPageImageStore,
  createS3PageImageStore,
  type PageImageStore,
} from '@prelabel/worker-pdf/page-images';
import { createPdfPipeline } from '@prelabel/worker-pdf/pdf.pipeline';

/** Every pipeline name, whether or not this process can run it. */
export const PIPELINE_NAMES = ['patterns', 'ner', 'pdf'] as const;

export interface LoadedPipelines {
  pipelines: ReadonlyMap<string, Pipeline>;
  /** Releases model sessions. */
  dispose(): Promise<void>;
}

function pageImageStore(
  config: ServiceConfig,
  labelStudio: LabelStudioClient,
  dataAccess: DataAccess | undefined,
): PageImageStore | undefined {
  const target = config.pdf.pageImages;
  if (target.store === 'label-studio') return createLabelStudioPageImageStore({ uploads: labelStudio.uploads });
  if (target.store === 'none') return undefined;
  // Only a worker writes; the gateway needs to know that a store exists (the layout template's check).
  const s3 = dataAccess?.s3 ?? {
    put: () => Promise.reject(new Error('the gateway does not store page images')),
  };
  return createS3PageImageStore({ s3, bucket: target.bucket, prefix: target.prefix });
}

/** The pdf pipeline; with `run`, able to read files and extract (a worker), else only to prepare (the gateway). */
function pdfPipeline(
  config: ServiceConfig,
  log: Logger,
  labelStudio: LabelStudioClient,
  run: { dataAccess: DataAccess; pool: ExtractionPool; checkpoints: Checkpoints } | undefined,
): Pipeline {
  const notHere = () => Promise.reject(new Error('the gateway does not run pipelines'));
  return createPdfPipeline({
    readFile: run
      ? async ({ value, taskId, signal }) =>
          (await run.dataAccess.resolver.resolve({ value, taskId, signal, maxBytes: config.pdf.maxBytes })).bytes
      : notHere,
    extract: run ? (bytes, options, signal) => run.pool.extract(bytes, options, signal) : notHere,
    render: run ? (bytes, options, signal) => run.pool.render(bytes, options, signal) : notHere,
    tasks: {
      list: (project, ids, signal) => labelStudio.tasks.listByIds(project, ids, { signal }),
      async updateData(task, data, signal) {
        await labelStudio.tasks.patch(task, { data }, { signal });
        log.debug({ task }, 'task data updated');
      },
    },
    pageImages: pageImageStore(config, labelStudio, run?.dataAccess),
    checkpoints: run?.checkpoints ?? { get: notHere, set: notHere, clear: notHere },
    limits: { maxBytes: config.pdf.maxBytes, maxPages: config.pdf.maxPages, pageTimeoutMs: config.pdf.pageTimeoutMs },
  }) as Pipeline;
}

export async function loadPipelines(
  config: ServiceConfig,
  log: Logger,
  labelStudio: LabelStudioClient,
  mode: { runNer: boolean; runPdf: boolean; checkpoints?: Checkpoints },
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
  let pdf: { dataAccess: DataAccess; pool: ExtractionPool; checkpoints: Checkpoints } | undefined;
  if (mode.runPdf) {
    if (mode.checkpoints === undefined) throw new Error('running the pdf pipeline needs its Redis checkpoints');
    pdf = {
      checkpoints: mode.checkpoints,
      dataAccess: createDataAccess({
        config,
        labelStudio: { baseUrl: labelStudio.baseUrl, authorization: (call) => labelStudio.authorization(call) },
        log,
      }),
      pool: createExtractionPool({
        size: config.pdf.threads,
        maxOldGenerationSizeMb: config.pdf.threadMemoryMb,
        ocrDevice: config.pdf.ocrDevice,
        log,
      }),
    };
    log.info({ threads: config.pdf.threads, pageImages: config.pdf.pageImages.store }, 'pdf extraction pool ready');
  }
  pipelines.set('pdf', pdfPipeline(config, log, labelStudio, pdf));
  return {
    pipelines,
    async dispose() {
      await model?.dispose();
      await pdf?.pool.close();
      pdf?.dataAccess.close();
    },
  };
}
