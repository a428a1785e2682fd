import { describe, expect, it } from 'vitest';
import { blockedRangeOf, createAddressPolicy, parseAllowEntry, parseAllowList } from './address-policy.ts';

describe('blockedRangeOf', () => {
  it.each<[string, string | undefined]>([
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', undefined],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private (shared, carrier-grade NAT)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', undefined],
    ['93.184.216.34', undefined],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2606:4700:4700::1111', undefined],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', undefined],
    ['not-an-ip', undefined],
  ])('%s → %s', (ip, kind) => {
    expect(blockedRangeOf(ip)).toBe(kind);
  });
});

describe('parseAllowEntry', () => {
  it.each<[string, unknown]>([
    ['minio.internal', { kind: 'hostname', hostname: 'minio.internal' }],
    ['MinIO.Internal.', { kind: 'hostname', hostname: 'minio.internal' }],
    ['localhost', { kind: 'hostname', hostname: 'localhost' }],
    ['10.0.0.5', { kind: 'address', address: '10.0.0.5', family: 'ipv4' }],
    ['[::1]', { kind: 'address', address: '::1', family: 'ipv6' }],
    ['10.0.0.0/8', { kind: 'subnet', network: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['fd00::/8', { kind: 'subnet', network: 'fd00::', prefix: 8, family: 'ipv6' }],
  ])('%s', (entry, parsed) => {
    expect(parseAllowEntry(entry)).toEqual(parsed);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/x', 'fd00::/129', 'host/8', 'bad host', 'http://minio:9000', 'a..b'])(
    'refuses %s',
    (entry) => {
      expect(() => parseAllowEntry(entry)).toThrow(`"${entry}" is not`);
    },
  );

  it('splits a comma list, dropping empty entries', () => {
    expect(parseAllowList(' minio , ,10.0.0.0/8,').map((e) => e.kind)).toEqual(['hostname', 'subnet']);
  });
});

describe('createAddressPolicy', () => {
  const policy = createAddressPolicy(['minio.internal', '10.1.2.3', '192.168.50.0/24', 'fd00::/8']);

  it.each<[string, string | undefined]>([
    ['10.1.2.3', undefined],
    ['::ffff:10.1.2.3', undefined],
    ['10.1.2.4', 'a private address'],
    ['192.168.50.7', undefined],
    ['192.168.51.7', 'a private address'],
    ['fd00::5', undefined],
    ['127.0.0.1', 'a loopback address'],
    ['169.254.169.254', 'a link-local address'],
    ['0.0.0.0', 'an unspecified address'],
    ['8.8.8.8', undefined],
  ])('%s → %s', (ip, refusal) => {
    expect(policy.refusal(ip)).toBe(refusal);
  });

  it('allows hostnames by exact name only', () => {
    expect(policy.isAllowedHostname('minio.internal')).toBe(true);
    expect(policy.isAllowedHostname('MINIO.internal.')).toBe(true);
    expect(policy.isAllowedHostname('evil.minio.internal')).toBe(false);
    expect(policy.isAllowedHostname('localhost')).toBe(false);
  });

  it('refuses every private range when nothing is allow-listed', () => {
    const strict = createAddressPolicy([]);
    expect(strict.refusal('10.1.2.3')).toBe('a private address');
    expect(strict.refusal('::1')).toBe('a loopback address');
  });
});
