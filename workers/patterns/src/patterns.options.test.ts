import { describe, expect, it } from 'vitest';
import { PatternsOptions } from './patterns.options.ts';

describe('PatternsOptions', () => {
  it('accepts the documented example and defaults caseSensitive to false', () => {
    const options = PatternsOptions.parse({
      patterns: [
        { label: 'ORG', pattern: 'Acme Corp' },
        { label: 'IMO', regex: 'IMO ?\\d{7}' },
      ],
      fromName: 'label',
    });
    expect(options).toStrictEqual({
      patterns: [
        { label: 'ORG', pattern: 'Acme Corp' },
        { label: 'IMO', regex: 'IMO ?\\d{7}' },
      ],
      caseSensitive: false,
      fromName: 'label',
    });
  });

  it.each([
    {
      name: 'both pattern and regex',
      options: {
        patterns: [
          { label: 'A', pattern: 'a' },
          { label: 'B', pattern: 'b', regex: 'b' },
        ],
      },
      path: ['patterns', 1],
      message: 'patterns[1] needs exactly one of "pattern" (a literal phrase) or "regex"',
    },
    {
      name: 'neither pattern nor regex',
      options: { patterns: [{ label: 'A' }] },
      path: ['patterns', 0],
      message: 'patterns[0] needs exactly one of "pattern" (a literal phrase) or "regex"',
    },
    {
      name: 'an invalid regex',
      options: {
        patterns: [
          { label: 'A', pattern: 'a' },
          { label: 'B', regex: '(b' },
        ],
      },
      path: ['patterns', 1, 'regex'],
      message: /^patterns\[1\]\.regex "\(b" is not a valid regular expression: /,
    },
    {
      name: 'a regex matching the empty string',
      options: { patterns: [{ label: 'A', regex: '\\d*' }] },
      path: ['patterns', 0, 'regex'],
      message: 'patterns[0].regex "\\\\d*" can match the empty string; it must always match at least one character',
    },
    { name: 'no patterns', options: { patterns: [] }, path: ['patterns'], message: 'give at least one pattern' },
    {
      name: 'a blank label',
      options: { patterns: [{ label: ' ', pattern: 'a' }] },
      path: ['patterns', 0, 'label'],
      message: 'must not be blank',
    },
    {
      name: 'a blank phrase',
      options: { patterns: [{ label: 'A', pattern: '  ' }] },
      path: ['patterns', 0, 'pattern'],
      message: 'must not be blank',
    },
    {
      name: 'a misspelt option',
      options: { patterns: [{ label: 'A', pattern: 'a' }], casesensitive: true },
      path: [],
      message: /casesensitive/,
    },
    {
      name: 'a caseSensitive that is not a boolean',
      options: { patterns: [{ label: 'A', pattern: 'a' }], caseSensitive: 'yes' },
      path: ['caseSensitive'],
      message: /expected boolean/,
    },
  ])('rejects $name', ({ options, path, message }) => {
    const result = PatternsOptions.safeParse(options);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path).toEqual(path);
    expect(issue?.message).toMatch(message);
  });
});
