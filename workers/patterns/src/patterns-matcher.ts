/**
 * Dictionary and regular-expression entity matching, pure.
 *
 * `compilePatternsMatcher(rules, { caseSensitive })` compiles once; `match(text)` returns
 * non-overlapping spans in text order, `start`/`end` in Unicode code points (end exclusive, as Label
 * Studio stores `<Text>` offsets) and `text` equal to that code-point slice.
 *
 * - A literal `pattern` matches the exact phrase (case-insensitively unless `caseSensitive`), in
 *   its precomposed or decomposed Unicode form, and never inside a longer word: an edge of the
 *   phrase that is a letter, digit or combining mark must not touch another one. Scripts written
 *   without spaces (Han, kana, Thai, Lao, Khmer, Myanmar) have no word edges, so `東京` matches in
 *   `東京都`. All literals are compiled into one alternation per kind of edge, longest first, so
 *   dictionary size barely affects speed.
 * - A `regex` is JS RegExp source compiled with `u` (and `i` unless `caseSensitive`), used as is:
 *   no implicit word boundaries. Zero-length matches are skipped.
 * - Overlaps resolve leftmost-longest: scanning left to right, the match starting first wins, then
 *   the longer one, then the earlier rule; the scan resumes at the winner's end.
 */
import { createOffsetConverter } from '@prelabel/shared/text/code-points';

export interface PatternRule {
  /** The label emitted for this rule's spans. */
  label: string;
  /** A literal phrase; exactly one of `pattern` and `regex` is set. */
  pattern?: string | undefined;
  /** JS RegExp source without delimiters or flags. */
  regex?: string | undefined;
}

export interface PatternSpan {
  /** Code point offset of the first character. */
  start: number;
  /** Code point offset just past the last character. */
  end: number;
  text: string;
  label: string;
}

export interface PatternsMatcher {
  match(text: string): PatternSpan[];
}

// Scripts written without spaces between words: a phrase may match inside a run of them.
const UNSPACED_SCRIPT = String.raw`[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Thai}\p{scx=Lao}\p{scx=Khmer}\p{scx=Myanmar}]`;
const WORD_CHARACTER = String.raw`(?!${UNSPACED_SCRIPT})[\p{L}\p{N}\p{M}]`;
const STARTS_WITH_WORD_CHARACTER = new RegExp(`^${WORD_CHARACTER}`, 'u');
const ENDS_WITH_WORD_CHARACTER = new RegExp(`${WORD_CHARACTER}$`, 'u');
const EMPTY_MATCH_PROBES = ['', 'a', ' ', '0', 'a b'];

/** UTF-16 offsets of a candidate match and the index of the rule that produced it. */
interface Candidate {
  start: number;
  end: number;
  rule: number;
}

interface Source {
  regex: RegExp;
  ruleOf(matched: string): number;
}

function escapeRegExp(text: string): string {
  // Only syntax characters: with the `u` flag, escaping anything else is a syntax error.
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function regexFlags(caseSensitive: boolean): string {
  return caseSensitive ? 'gu' : 'giu';
}

/**
 * Why `source` cannot be a pattern regex (invalid, or matches the empty string on a simple probe
 * text), or undefined when it can.
 */
export function describeRegexProblem(source: string): string | undefined {
  let regex: RegExp;
  try {
    regex = new RegExp(source, 'gu');
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`;
  }
  for (const probe of EMPTY_MATCH_PROBES) {
    regex.lastIndex = 0;
    for (let match = regex.exec(probe); match !== null; match = regex.exec(probe)) {
      if (match[0] === '') return 'can match the empty string; it must always match at least one character';
    }
  }
  return undefined;
}

/** The phrase as written plus its NFC and NFD forms, so `café` also finds `cafe\u0301`. */
function phraseForms(phrase: string): string[] {
  return [...new Set([phrase, phrase.normalize('NFC'), phrase.normalize('NFD')])];
}

function compileLiterals(rules: readonly PatternRule[], caseSensitive: boolean): Source[] {
  const flags = regexFlags(caseSensitive);
  const keyOf = caseSensitive ? (text: string) => text : (text: string) => text.toLowerCase();
  const literalRules: number[] = [];
  const rulesByKey = new Map<string, number[]>();
  // Phrases grouped by which of their edges are word characters, since only those get a guard.
  const groups = new Map<string, { startsWord: boolean; endsWord: boolean; forms: string[] }>();
  rules.forEach((rule, index) => {
    if (rule.pattern === undefined) return;
    literalRules.push(index);
    for (const form of phraseForms(rule.pattern)) {
      const key = keyOf(form);
      const sameKey = rulesByKey.get(key) ?? [];
      if (!sameKey.includes(index)) sameKey.push(index);
      rulesByKey.set(key, sameKey);
      const startsWord = STARTS_WITH_WORD_CHARACTER.test(form);
      const endsWord = ENDS_WITH_WORD_CHARACTER.test(form);
      const group = groups.get(`${startsWord},${endsWord}`) ?? { startsWord, endsWord, forms: [] };
      group.forms.push(form);
      groups.set(`${startsWord},${endsWord}`, group);
    }
  });

  // Exact per-rule tests decide which rule a matched text belongs to: `toLowerCase` only narrows
  // the candidates, since RegExp's case folding differs from it for a few characters (ſ, ς, İ…).
  const ruleTests = new Map<number, RegExp>();
  const isMatchOf = (index: number, matched: string): boolean => {
    let test = ruleTests.get(index);
    if (test === undefined) {
      const forms = phraseForms(rules[index]!.pattern!).map(escapeRegExp).join('|');
      test = new RegExp(`^(?:${forms})$`, flags.replace('g', ''));
      ruleTests.set(index, test);
    }
    return test.test(matched);
  };
  const ruleOf = (matched: string): number => {
    const byKey = rulesByKey.get(keyOf(matched))?.find((index) => isMatchOf(index, matched));
    // Every matched text is one of the literal forms, so one of the literal rules accepts it.
    return byKey ?? literalRules.find((index) => isMatchOf(index, matched))!;
  };

  return [...groups.values()].map(({ startsWord, endsWord, forms }) => {
    // Longest first (a stable sort keeps rule order among equal lengths), so the alternation
    // prefers the longest phrase at a position and backtracks to shorter ones when a guard fails.
    const alternatives = [...new Set(forms)].sort((a, b) => b.length - a.length).map(escapeRegExp);
    const before = startsWord ? `(?<!${WORD_CHARACTER})` : '';
    const after = endsWord ? `(?!${WORD_CHARACTER})` : '';
    return { regex: new RegExp(`${before}(?:${alternatives.join('|')})${after}`, flags), ruleOf };
  });
}

function findFrom(source: Source, text: string, from: number): Candidate | undefined {
  const { regex } = source;
  regex.lastIndex = from;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const matched = match[0];
    if (matched.length > 0) {
      return { start: match.index, end: match.index + matched.length, rule: source.ruleOf(matched) };
    }
    // A zero-length match would repeat forever: step over one code point and search on.
    regex.lastIndex = match.index + ((text.codePointAt(match.index) ?? 0) > 0xffff ? 2 : 1);
  }
  return undefined;
}

function precedes(a: Candidate, b: Candidate): boolean {
  if (a.start !== b.start) return a.start < b.start;
  if (a.end !== b.end) return a.end > b.end;
  return a.rule < b.rule;
}

export function compilePatternsMatcher(
  rules: readonly PatternRule[],
  options: { caseSensitive: boolean },
): PatternsMatcher {
  const flags = regexFlags(options.caseSensitive);
  const sources: Source[] = compileLiterals(rules, options.caseSensitive);
  rules.forEach((rule, index) => {
    if (rule.regex !== undefined) sources.push({ regex: new RegExp(rule.regex, flags), ruleOf: () => index });
  });

  return {
    match(text) {
      const spans: PatternSpan[] = [];
      if (text.length === 0) return spans;
      const converter = createOffsetConverter(text);
      // Each source's leftmost match at or after the scan position: only sources whose match the
      // last winner overlapped search again, from its end, so each source scans the text once.
      const next = sources.map((source) => findFrom(source, text, 0));
      for (;;) {
        let best: Candidate | undefined;
        for (const candidate of next) {
          if (candidate !== undefined && (best === undefined || precedes(candidate, best))) best = candidate;
        }
        if (best === undefined) return spans;
        spans.push({
          start: converter.toCodePoint(best.start),
          end: converter.toCodePoint(best.end),
          text: text.slice(best.start, best.end),
          label: rules[best.rule]!.label,
        });
        const position = best.end;
        next.forEach((candidate, i) => {
          if (candidate !== undefined && candidate.start < position) next[i] = findFrom(sources[i]!, text, position);
        });
      }
    },
  };
}
