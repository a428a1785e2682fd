import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DataAccessError } from '../data-access/errors.ts';
import { LabelStudioError } from '../label-studio/errors.ts';
import { PipelineConfigError } from '../pipelines/pipeline.ts';
import { classifyFailure, PermanentError } from './failures.ts';

const lsError = (status: number, kind: 'retryable' | 'permanent' | 'rate-limited', retryAfterMs?: number) =>
  new LabelStudioError({
    message: `GET /api/x: ${status}`,
    kind,
    status,
    method: 'GET',
    path: '/api/x',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe('classifyFailure', () => {
  it.each([
    ['an LS 5xx', lsError(502, 'retryable'), 'retryable'],
    ['an LS 4xx', lsError(400, 'permanent'), 'permanent'],
    ['an LS 429', lsError(429, 'rate-limited', 3000), 'rate-limited'],
    ['a refused file URL', new DataAccessError({ code: 'ssrf_refused', message: 'refused' }), 'permanent'],
    ['a missing file', new DataAccessError({ code: 'not_found', message: '404' }), 'permanent'],
    ['a file host timeout', new DataAccessError({ code: 'timeout', message: 'slow' }), 'retryable'],
    [
      "a file host's 429 (backoff, not a queue-wide rate limit)",
      new DataAccessError({ code: 'http_status', message: '429', status: 429, retryAfterMs: 5000 }),
      'retryable',
    ],
    ['a PermanentError', new PermanentError('bad input'), 'permanent'],
    ['a PipelineConfigError', new PipelineConfigError('no control'), 'permanent'],
    ['a ZodError', z.string().safeParse(1).error, 'permanent'],
    ['anything else', new Error('boom'), 'retryable'],
  ])('%s → %s', (_name, error, kind) => {
    expect(classifyFailure(error).kind).toBe(kind);
  });

  it('keeps the Retry-After of an LS 429', () => {
    expect(classifyFailure(lsError(429, 'rate-limited', 3000))).toStrictEqual({
      kind: 'rate-limited',
      message: 'GET /api/x: 429',
      retryAfterMs: 3000,
    });
  });
});
