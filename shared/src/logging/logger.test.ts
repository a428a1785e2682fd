import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it.each([
    [{ apiKey: 'SECRET-1' }],
    [{ headers: { authorization: 'Token SECRET-1' } }],
    [{ req: { headers: { authorization: 'Bearer SECRET-1' } } }],
    [{ config: { labelStudio: { apiKey: 'SECRET-1' } } }],
    [{ labelStudio: { apiKey: 'SECRET-1' } }],
    [{ access_token: 'SECRET-1' }],
    [{ setup: { access_token: 'SECRET-1' } }],
    [{ refresh: 'SECRET-1' }],
  ])('redacts secrets in %o', (fields) => {
    const { lines, stream } = capture();
    createLogger({ level: 'info' }, stream).info(fields, 'message');
    expect(lines.join('')).not.toContain('SECRET-1');
    expect(lines.join('')).toContain('[redacted]');
  });
});
