/**
 * The `pdf` pipeline: a task's PDF (any URL kind Label Studio stores) → extracted text, layout
 * and tables → one of the templates in ls-templates.ts.
 *
 * `createPdfPipeline(deps)` binds the pipeline to the process's file access, extraction pool,
 * LS task API and page image store. `prepare` picks the template from the label config and the
 * options (a {@link PipelineConfigError} says what to change). `predict` gives one outcome per task
 * (chunks hold one task; see MAX_CHUNK_SIZE):
 *
 * - the file cannot be read for good (404, refused URL, too large) or the PDF cannot be extracted
 *   (not a PDF, damaged, wrong password, over a limit) → a per-task error naming the reason;
 * - a passing failure (LS or the file host down, a timeout, 429) → the chunk throws and is retried;
 * - `layout` renders the pages {@link PAGE_IMAGE_BATCH} at a time, stores each batch
 *   (page-images.ts), checkpointed so a retry resumes after the last stored batch, and, once all
 *   are stored, writes their URLs into the task's data through `PATCH /api/tasks/{id}/` before
 *   its regions are returned; `text` writes the
 *   extracted text into `textField` and returns an empty result (the prediction records that the
 *   task was processed; an NER run labels the text). A task whose data already holds the same
 *   rendering, or the same text, is not written again.
 *
 * Every chunk re-reads its tasks from LS first: LS replaces `data` wholesale and the chunk's copy
 * may predate an earlier attempt's write, and job payloads never carry the task's password field
 * (`secretDataFields`). The PDF password comes from that field or the `password` option, and is
 * never put in a message, a log line or a job payload.
 */
import { createHash } from 'node:crypto';
import type { LabelStudioRegion, ParsedLabelConfig } from '@prelabel/shared/label-studio/types';
import {
  type Pipeline,
  PipelineConfigError,
  type PipelineOutcome,
  type PipelineTask,
  type PrepareContext,
  type PreparedPipeline,
} from '@prelabel/shared/pipelines/pipeline';
import type { Checkpoints } from '@prelabel/shared/runtime/checkpoints';
import { classifyFailure } from '@prelabel/shared/runtime/failures';
import { z } from 'zod';
import { type ExtractedDocument, type ExtractOptions, PdfExtractionError } from './extract/document.ts';
import { chooseTemplate, documentText, layoutResult, type PdfTemplate, transcriptionResult } from './ls-templates.ts';
import type { PageImageStore } from './page-images.ts';
import { PdfOptions } from './pdf.options.ts';
import { renderedSize } from './render/render-page.ts';

const PIPELINE_VERSION = '1';
/**
 * One PDF per job: a PDF takes seconds, so job overhead is nothing, and a file that fails in
 * passing (its host or LS answering 5xx) is retried by BullMQ alone, without redoing or failing
 * the PDFs that would have shared its chunk.
 */
const MAX_CHUNK_SIZE = 1;
/**
 * Layout page images are rendered and stored this many pages at a time, so a long document's
 * PNGs never all sit in memory (a page at the default scale is 0.3–1.5 MB).
 */
export const PAGE_IMAGE_BATCH = 16;

export interface RenderedPage {
  index: number;
  png: Uint8Array;
  width: number;
  height: number;
}

export interface PdfPipelineDeps {
  /** The task data value (a URL or storage URI) → the file's bytes; throws classified errors. */
  readFile(input: { value: string; taskId: number; signal: AbortSignal }): Promise<Uint8Array>;
  /** Extraction off the event loop (the extraction pool); PdfExtractionError for a file it cannot read. */
  extract(bytes: Uint8Array, options: ExtractOptions, signal: AbortSignal): Promise<ExtractedDocument>;
  /** PNGs of some pages (0-based indices, in that order), off the event loop, opened like `extract`. */
  render(
    bytes: Uint8Array,
    options: Omit<ExtractOptions, 'ocr'> & { scale: number; pages: readonly number[] },
    signal: AbortSignal,
  ): Promise<RenderedPage[]>;
  /** LS tasks: the current data of some tasks of a project, and replacing one task's data. */
  tasks: {
    list(
      project: number,
      ids: readonly number[],
      signal: AbortSignal,
    ): Promise<{ id: number; data: Record<string, unknown> }[]>;
    updateData(task: number, data: Record<string, unknown>, signal: AbortSignal): Promise<void>;
  };
  /** Where layout page images go; without one the layout template is refused. */
  pageImages: PageImageStore | undefined;
  /**
   * Stored batches of a task's page images, so a retried task resumes rendering and storing after
   * the last batch stored (a failed PATCH or a later batch's LS hiccup does not re-upload them).
   */
  checkpoints: Checkpoints;
  limits: Pick<ExtractOptions, 'maxBytes' | 'maxPages' | 'pageTimeoutMs'>;
}

export type PdfPipeline = Pipeline<PdfOptions>;

/** The data key next to the pages list that records which rendering it holds. */
export const pagesDigestField = (pagesField: string) => `${pagesField}_digest`;

function renderingDigest(bytes: Uint8Array, scale: number): string {
  return createHash('sha256').update(bytes).update(`@${scale}`).digest('hex').slice(0, 16);
}

const isPermanent = (error: unknown) => classifyFailure(error).kind === 'permanent';

/** A stored batch of page images as a checkpoint holds it: their URLs and bitmap sizes, in page order. */
const StoredBatch = z.object({
  urls: z.array(z.string()),
  sizes: z.array(z.object({ width: z.number().int().positive(), height: z.number().int().positive() })),
});
type StoredBatch = z.infer<typeof StoredBatch>;

/** The checkpoint's batch when it is one of `pageCount` pages; anything else is ignored. */
function readStoredBatch(raw: string | undefined, pageCount: number): StoredBatch | undefined {
  if (raw === undefined) return undefined;
  try {
    const batch = StoredBatch.parse(JSON.parse(raw));
    return batch.urls.length === pageCount && batch.sizes.length === pageCount ? batch : undefined;
  } catch {
    return undefined;
  }
}

const pdfFailure = (task: PipelineTask, error: PdfExtractionError): PipelineOutcome => ({
  task: task.id,
  error: `PDF ${error.code}: ${error.message}`,
});

export function createPdfPipeline(deps: PdfPipelineDeps): PdfPipeline {
  return {
    name: 'pdf',
    version: PIPELINE_VERSION,
    optionsSchema: PdfOptions,
    maxChunkSize: MAX_CHUNK_SIZE,
    secretOptions: ['password'],
    secretDataFields: (options) => [options.passwordField ?? 'pdf_password'],

    prepare(labelConfig: ParsedLabelConfig, rawOptions: PdfOptions, context?: PrepareContext): PreparedPipeline {
      const parsed = PdfOptions.safeParse(rawOptions);
      if (!parsed.success) throw new PipelineConfigError(`invalid pdf options:\n${z.prettifyError(parsed.error)}`);
      const options = parsed.data;
      const template = chooseTemplate(labelConfig, options);
      if (template.kind === 'layout' && deps.pageImages === undefined) {
        throw new PipelineConfigError(
          'the layout template stores rendered pages, and no page image storage is configured (set PDF_PAGE_IMAGES=label-studio, or s3 with PDF_PAGE_IMAGE_BUCKET)',
        );
      }

      async function predictTask(
        project: number,
        task: PipelineTask,
        data: Record<string, unknown>,
        signal: AbortSignal,
      ): Promise<PipelineOutcome> {
        const value = data[template.sourceField];
        if (typeof value !== 'string' || value.trim() === '') {
          return {
            task: task.id,
            error: `task data field "${template.sourceField}" should hold the PDF's URL, and it is ${value === undefined ? 'missing' : JSON.stringify(value).slice(0, 60)}`,
          };
        }
        const taskPassword = data[options.passwordField];
        const password = typeof taskPassword === 'string' && taskPassword !== '' ? taskPassword : options.password;

        let bytes: Uint8Array;
        try {
          bytes = await deps.readFile({ value, taskId: task.id, signal });
        } catch (error) {
          if (isPermanent(error)) return { task: task.id, error: (error as Error).message };
          throw error;
        }
        const digest = template.kind === 'layout' ? renderingDigest(bytes, options.pageImageScale) : '';
        const pagesStored =
          template.kind === 'layout' &&
          data[pagesDigestField(template.pagesField)] === digest &&
          Array.isArray(data[template.pagesField]);

        let document: ExtractedDocument;
        try {
          document = await deps.extract(bytes, { ...deps.limits, ocr: options.ocr, password }, signal);
        } catch (error) {
          if (error instanceof PdfExtractionError) return pdfFailure(task, error);
          throw error;
        }

        if (template.kind === 'transcription') {
          return { task: task.id, result: transcriptionResult(document, template, `${task.id}`), score: null };
        }
        if (template.kind === 'text') {
          const text = documentText(document);
          if (data[template.textField] !== text) {
            await deps.tasks.updateData(task.id, { ...data, [template.textField]: text }, signal);
          }
          return { task: task.id, result: [], score: null };
        }
        const rendering = { bytes, password, digest };
        return predictLayout(project, task, data, document, template, rendering, pagesStored, signal);
      }

      async function predictLayout(
        project: number,
        task: PipelineTask,
        data: Record<string, unknown>,
        document: ExtractedDocument,
        layout: Extract<PdfTemplate, { kind: 'layout' }>,
        rendering: { bytes: Uint8Array; password: string | undefined; digest: string },
        pagesStored: boolean,
        signal: AbortSignal,
      ): Promise<PipelineOutcome> {
        let sizes: { width: number; height: number }[];
        if (pagesStored) {
          // Same bytes, same scale: the stored pages have the size this rendering would have.
          sizes = document.pages.map((page) => renderedSize(page.width, page.height, options.pageImageScale));
        } else {
          const store = deps.pageImages!;
          const checkpoint = `pdf-pages:${project}:${task.id}:${rendering.digest}:${store.kind}`;
          const urls: string[] = [];
          sizes = [];
          for (let first = 0; first < document.pageCount; first += PAGE_IMAGE_BATCH) {
            const pages = Array.from(
              { length: Math.min(PAGE_IMAGE_BATCH, document.pageCount - first) },
              (_, offset) => first + offset,
            );
            let batch = readStoredBatch(await deps.checkpoints.get(checkpoint, `${first}`), pages.length);
            if (batch === undefined) {
              let images: RenderedPage[];
              try {
                images = await deps.render(
                  rendering.bytes,
                  { ...deps.limits, password: rendering.password, scale: options.pageImageScale, pages },
                  signal,
                );
              } catch (error) {
                if (error instanceof PdfExtractionError) return pdfFailure(task, error);
                throw error;
              }
              batch = {
                urls: await store.store({ project, task: task.id, digest: rendering.digest, pages: images }, signal),
                sizes: images.map((image) => ({ width: image.width, height: image.height })),
              };
              await deps.checkpoints.set(checkpoint, `${first}`, JSON.stringify(batch));
            }
            urls.push(...batch.urls);
            sizes.push(...batch.sizes);
          }
          await deps.tasks.updateData(
            task.id,
            { ...data, [layout.pagesField]: urls, [pagesDigestField(layout.pagesField)]: rendering.digest },
            signal,
          );
          await deps.checkpoints.clear(checkpoint);
        }
        const { result } = layoutResult(document, layout, sizes, `${task.id}-`);
        return { task: task.id, result: result as LabelStudioRegion[], score: null };
      }

      return {
        async predict(tasks, signal) {
          signal.throwIfAborted();
          if (context === undefined)
            throw new Error('the pdf pipeline reads and writes task data and needs the run’s project');
          // Job payloads carry task data without the password field (secretDataFields), and the
          // layout and text templates replace `data` wholesale: read the tasks as LS holds them now.
          const listed = await deps.tasks.list(
            context.project,
            tasks.map((task) => task.id),
            signal,
          );
          const current = new Map(listed.map((task) => [task.id, task.data]));
          return Promise.all(
            tasks.map((task): Promise<PipelineOutcome> => {
              const data = current.get(task.id);
              if (data === undefined) {
                return Promise.resolve({ task: task.id, error: 'the task no longer exists in Label Studio' });
              }
              return predictTask(context.project, task, data, signal);
            }),
          );
        },
      };
    },
  };
}
