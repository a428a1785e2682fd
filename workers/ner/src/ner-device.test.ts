import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNerModel } from './ner-model.ts';
import { writeTinyModel } from './testing/tiny-model.ts';

// In a file of its own: the CUDA session must be this process's first, as in a `--device cuda`
// worker, for the fallback to be the only line logged.
let dir: string;
beforeAll(async () => {
  dir = await writeTinyModel(await mkdtemp(join(tmpdir(), 'prelabel-ner-device-')));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('device selection', () => {
  it('falls back to CPU with one warning when CUDA cannot load', async () => {
    const warnings: [object, string][] = [];
    const log = { warn: (fields: object, message: string) => warnings.push([fields, message]) };
    const model = await loadNerModel({ dir, device: 'cuda', intraOpThreads: 1, interOpThreads: 1, log });
    try {
      if (model.device === 'cuda') {
        expect(warnings).toEqual([]);
        return;
      }
      expect(warnings).toEqual([
        [
          { err: expect.stringMatching(/cuda/i), device: 'cpu' },
          'CUDA execution provider unavailable, running the NER model on CPU',
        ],
      ]);
      const [result] = await model.predict(['John in Paris']);
      expect(result!.spans.map((span) => span.type)).toEqual(['PER', 'LOC']);
    } finally {
      await model.dispose();
    }
  });

  it('runs on CPU without a warning when asked to', async () => {
    const warnings: unknown[] = [];
    const model = await loadNerModel({ dir, device: 'cpu', log: { warn: (...args) => warnings.push(args) } });
    expect(model.device).toBe('cpu');
    expect(warnings).toEqual([]);
    await model.dispose();
  });
});
