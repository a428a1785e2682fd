/**
 * Where the layout template's rendered page images go, and the URL Label Studio loads each from.
 *
 * - `s3`: PNGs are put under `<prefix><project>/<task>/<digest>/page-<n>.png` in a bucket, and the
 *   task gets `s3://bucket/key` URIs, which LS resolves through the project's cloud storage (so
 *   that storage must cover the bucket). Keys are deterministic: a retried chunk overwrites the
 *   same objects.
 * - `label-studio`: PNGs are uploaded to the project as file uploads that create no task
 *   (`import?commit_to_project=false`) and the task gets their `/data/upload/...` paths.
 *
 * `digest` identifies the rendering (the PDF's bytes and the scale), so a task whose data already
 * lists the pages of the same rendering is not uploaded again.
 */
import type { S3Store } from '@prelabel/shared/data-access/s3-store';
import type { LabelStudioClient } from '@prelabel/shared/label-studio/client';

export interface StoredPage {
  index: number;
  png: Uint8Array;
}

export interface PageImageStore {
  readonly kind: 's3' | 'label-studio';
  /** Stores one task's rendered pages; resolves to the URL of each, in the order given. */
  store(
    input: { project: number; task: number; digest: string; pages: readonly StoredPage[] },
    signal: AbortSignal,
  ): Promise<string[]>;
}

export function createS3PageImageStore(options: {
  s3: Pick<S3Store, 'put'>;
  bucket: string;
  prefix: string;
}): PageImageStore {
  return {
    kind: 's3',
    async store({ project, task, digest, pages }, signal) {
      return Promise.all(
        pages.map(async (page) => {
          const key = `${options.prefix}${project}/${task}/${digest}/page-${page.index + 1}.png`;
          await options.s3.put(options.bucket, key, page.png, 'image/png', { signal });
          return `s3://${options.bucket}/${key}`;
        }),
      );
    },
  };
}

export function createLabelStudioPageImageStore(options: {
  uploads: Pick<LabelStudioClient['uploads'], 'create'>;
}): PageImageStore {
  return {
    kind: 'label-studio',
    async store({ project, task, digest, pages }, signal) {
      const uploaded = await options.uploads.create(
        project,
        pages.map((page) => ({
          name: `task-${task}-${digest}-page-${page.index + 1}.png`,
          bytes: page.png,
          contentType: 'image/png',
        })),
        { signal },
      );
      return uploaded.map((file) => file.url);
    },
  };
}
