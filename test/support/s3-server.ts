/**
 * A real S3-compatible server for tests: s3rver (npm) in this process on 127.0.0.1, an ephemeral
 * port and a temporary directory, with the given buckets and one key pair. `close()` stops it and
 * removes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

export interface TestS3Server {
  endpoint: string;
  /** The directory s3rver keeps objects in. */
  directory: string;
  close(): Promise<void>;
}

const requireFromTest = createRequire(import.meta.url);

export async function startTestS3Server(options: {
  buckets: string[];
  accessKeyId: string;
  secretAccessKey: string;
}): Promise<TestS3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'prelabel-s3rver-'));
  const S3rver = requireFromTest('s3rver') as new (settings: Record<string, unknown>) => S3rverInstance;
  const account = requireFromTest('s3rver/lib/models/account.js') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  account.DUMMY_ACCOUNT.createKeyPair(options.accessKeyId, options.secretAccessKey);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    directory,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
