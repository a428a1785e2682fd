/**
 * The pino root logger. Tokens, keys and Authorization headers are redacted wherever they appear
 * in a logged object, so a secret never reaches a log line even when an error carries a request.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  'apiKey',
  'token',
  'accessToken',
  'access_token',
  'refresh',
  'password',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'config.labelStudio.apiKey',
  'labelStudio.apiKey',
  '*.apiKey',
  '*.token',
  '*.access_token',
  '*.password',
  '*.authorization',
  'secretAccessKey',
  '*.secretAccessKey',
  '*.*.secretAccessKey',
];

export function createLogger(options: { level: string; name?: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      ...(options.name ? { name: options.name } : {}),
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    destination,
  );
}
