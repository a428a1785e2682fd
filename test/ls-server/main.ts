/**
 * Standalone LS test server: `node test/ls-server/main.ts [--port 0] [--host 127.0.0.1]
 * [--access-token-ttl-s N] [--legacy-token T] [--legacy-tokens-disabled] [--seed N] [--latency-ms N]
 * [--rate-429 P] [--rate-500-before P] [--rate-500-after P] [--retry-after-s N] [--fault-reads]
 * [--ml-timeout-health-ms N] [--ml-timeout-setup-ms N] [--ml-timeout-predict-ms N] [--webhook-timeout-ms N]
 * [--webhook-batch-size N] [--local-files-serving] [--use-nginx-for-uploads]`.
 * Prints one JSON line `{"url", "legacyToken", "personalAccessToken"}` on stdout once listening,
 * then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { type LabelStudioTestServerOptions, startLabelStudioTestServer } from './ls-test-server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'access-token-ttl-s': { type: 'string' },
    'legacy-token': { type: 'string' },
    'legacy-tokens-disabled': { type: 'boolean', default: false },
    seed: { type: 'string' },
    'latency-ms': { type: 'string' },
    'rate-429': { type: 'string' },
    'rate-500-before': { type: 'string' },
    'rate-500-after': { type: 'string' },
    'retry-after-s': { type: 'string' },
    'fault-reads': { type: 'boolean', default: false },
    'ml-timeout-health-ms': { type: 'string' },
    'ml-timeout-setup-ms': { type: 'string' },
    'ml-timeout-predict-ms': { type: 'string' },
    'webhook-timeout-ms': { type: 'string' },
    'webhook-batch-size': { type: 'string' },
    'local-files-serving': { type: 'boolean', default: false },
    'use-nginx-for-uploads': { type: 'boolean', default: false },
  },
  strict: true,
});

function num(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) {
    console.error(`--${name} must be a number, got ${raw}`);
    process.exit(2);
  }
  return n;
}

const ttlS = num('access-token-ttl-s', values['access-token-ttl-s']);
const faults: LabelStudioTestServerOptions['faults'] = { faultReads: values['fault-reads'] };
const faultNumbers = {
  rate429: num('rate-429', values['rate-429']),
  rate500Before: num('rate-500-before', values['rate-500-before']),
  rate500After: num('rate-500-after', values['rate-500-after']),
  retryAfterS: num('retry-after-s', values['retry-after-s']),
  latencyMs: num('latency-ms', values['latency-ms']),
};
for (const [key, value] of Object.entries(faultNumbers)) {
  if (value !== undefined) faults[key as keyof typeof faultNumbers] = value;
}

const options: LabelStudioTestServerOptions = {
  port: num('port', values.port) ?? 0,
  host: values.host,
  legacyTokensEnabled: !values['legacy-tokens-disabled'],
  faults,
  files: {
    localFilesServingEnabled: values['local-files-serving'],
    useNginxForUploads: values['use-nginx-for-uploads'],
  },
};
if (ttlS !== undefined) options.accessTokenTtlMs = ttlS * 1000;
if (values['legacy-token'] !== undefined) options.legacyToken = values['legacy-token'];
const seed = num('seed', values.seed);
if (seed !== undefined) options.seed = seed;
const mlTimeouts = {
  healthMs: num('ml-timeout-health-ms', values['ml-timeout-health-ms']),
  setupMs: num('ml-timeout-setup-ms', values['ml-timeout-setup-ms']),
  predictMs: num('ml-timeout-predict-ms', values['ml-timeout-predict-ms']),
};
options.mlTimeouts = {};
for (const [key, value] of Object.entries(mlTimeouts)) {
  if (value !== undefined) options.mlTimeouts[key as keyof typeof mlTimeouts] = value;
}
const webhookTimeoutMs = num('webhook-timeout-ms', values['webhook-timeout-ms']);
if (webhookTimeoutMs !== undefined) options.webhookTimeoutMs = webhookTimeoutMs;
const webhookBatchSize = num('webhook-batch-size', values['webhook-batch-size']);
if (webhookBatchSize !== undefined) options.webhookBatchSize = webhookBatchSize;

const server = await startLabelStudioTestServer(options);
console.log(
  JSON.stringify({
    url: server.url,
    legacyToken: server.legacyToken,
    personalAccessToken: server.personalAccessToken,
  }),
);

const stop = (): void => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
