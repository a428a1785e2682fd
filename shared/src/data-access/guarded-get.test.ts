import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { pinnedLookup } from './guarded-get.ts';

const CHECKED: LookupAddress[] = [
  { address: '2001:db8::10', family: 6 },
  { address: '93.184.216.34', family: 4 },
];

function lookupWith(options: { all?: boolean; family?: number | 'IPv4' | 'IPv6' }) {
  return new Promise<{ address: string | LookupAddress[]; family: number | undefined }>((resolve, reject) => {
    // Whatever the hostname, only the checked addresses come back (no DNS query is made).
    pinnedLookup(CHECKED)('rebinding.example', options, (error, address, family) =>
      error ? reject(error) : resolve({ address, family }),
    );
  });
}

describe('pinnedLookup', () => {
  it.each<[string, { all?: boolean; family?: number | 'IPv4' | 'IPv6' }, unknown]>([
    ['every checked address (happy eyeballs)', { all: true }, { address: CHECKED, family: undefined }],
    ['the first checked address', {}, { address: '2001:db8::10', family: 6 }],
    ['the IPv4 one when asked by number', { family: 4 }, { address: '93.184.216.34', family: 4 }],
    ['the IPv4 one when asked by name', { family: 'IPv4' }, { address: '93.184.216.34', family: 4 }],
    ['the IPv6 one', { family: 'IPv6' }, { address: '2001:db8::10', family: 6 }],
  ])('answers %s', async (_name, options, expected) => {
    expect(await lookupWith(options)).toEqual(expected);
  });
});
