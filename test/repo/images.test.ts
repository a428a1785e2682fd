/**
 * The container images install with `npm ci` from the lockfile before the sources are copied, so
 * each must copy every workspace's package.json first: a workspace it misses breaks `npm ci` in
 * the image build (the lockfile names it), which no other test would notice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { link?: boolean }>;
};
const workspaces = Object.keys(lock.packages).filter(
  (path) => path !== '' && !path.startsWith('node_modules/') && !lock.packages[path]!.link,
);

describe.each(['infra/Dockerfile', 'infra/Dockerfile.gpu'])('%s', (dockerfile) => {
  const text = readFileSync(join(root, dockerfile), 'utf8');

  it('copies every workspace package.json before npm ci', () => {
    expect(workspaces.length).toBeGreaterThan(5);
    const beforeInstall = text.slice(0, text.indexOf('npm ci'));
    for (const workspace of workspaces) expect(beforeInstall).toContain(`COPY ${workspace}/package.json ${workspace}/`);
  });
});
