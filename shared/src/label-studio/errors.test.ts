import { describe, expect, it } from 'vitest';
import {
  classifyLabelStudioError,
  classifyStatus,
  describeBody,
  LabelStudioError,
  parseRetryAfterMs,
} from './errors.ts';

describe('classifyStatus', () => {
  it.each([
    [0, 'retryable'],
    [408, 'retryable'],
    [429, 'rate-limited'],
    [500, 'retryable'],
    [502, 'retryable'],
    [503, 'retryable'],
    [400, 'permanent'],
    [401, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [413, 'permanent'],
  ])('%i is %s', (status, kind) => {
    expect(classifyStatus(status)).toBe(kind);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-24T10:00:00Z');
  it.each([
    ['3', 3000],
    ['0', 0],
    ['1.5', 1500],
    ['Tue, 24 Nov 2026 10:00:05 GMT', 5000],
    ['Tue, 24 Nov 2026 09:00:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('%s → %s', (header, expected) => {
    expect(parseRetryAfterMs(header, now)).toBe(expected);
  });
});

describe('describeBody', () => {
  it('reads the LS error envelope', () => {
    const body = JSON.stringify({
      id: 'x',
      status_code: 400,
      detail: 'Validation error',
      validation_errors: { task: ['bad'] },
    });
    expect(describeBody(body)).toBe('Validation error {"task":["bad"]}');
  });
  it('shortens HTML', () => {
    expect(describeBody('<html>\n<body>oops</body></html>')).toBe('<html> <body>oops</body></html>');
  });
});

describe('classifyLabelStudioError', () => {
  it('keeps Retry-After of a 429', () => {
    const error = new LabelStudioError({
      message: 'm',
      kind: 'rate-limited',
      status: 429,
      method: 'POST',
      path: '/x',
      retryAfterMs: 2000,
    });
    expect(classifyLabelStudioError(error)).toEqual({ kind: 'rate-limited', retryAfterMs: 2000 });
  });
  it('treats unknown errors as retryable', () => {
    expect(classifyLabelStudioError(new Error('boom'))).toEqual({ kind: 'retryable' });
  });
});
