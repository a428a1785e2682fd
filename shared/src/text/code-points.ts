/**
 * Unicode code point offsets ⇄ UTF-16 indices.
 *
 * Label Studio stores `<Text>` span offsets in code points (Python's `text[start:end]`, in JS
 * `[...text].slice(start, end).join('')`), while JS string and RegExp indices count UTF-16 units.
 * The two differ by one for every astral character (emoji, some CJK) before the offset. A lone
 * surrogate counts as one code point in both views, exactly as `[...text]` and Python see it.
 *
 * `createOffsetConverter(text)` records the positions of the text's surrogate pairs once (nothing
 * when the text has none, the common case) and answers each conversion in O(1) amortised when the
 * queries are monotonic, O(log pairs) otherwise.
 */

// Without the `u` flag these ranges match UTF-16 code units, so this finds a well-formed pair.
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/;

export interface OffsetConverter {
  /** Code points in the whole text. */
  readonly codePointLength: number;
  /**
   * Code points in `text.slice(0, utf16Index)`; an index that splits a surrogate pair counts the
   * leading half as one code point, as `[...text.slice(0, utf16Index)].length` does.
   * @throws RangeError when `utf16Index` is not an integer in `[0, text.length]`.
   */
  toCodePoint(utf16Index: number): number;
  /**
   * UTF-16 index where code point `codePointIndex` starts (`text.length` for the end of the text).
   * @throws RangeError when `codePointIndex` is not an integer in `[0, codePointLength(text)]`.
   */
  toUtf16(codePointIndex: number): number;
}

/** UTF-16 indices of the leading halves of the text's surrogate pairs, ascending. */
function findSurrogatePairs(text: string): number[] {
  const pairs: number[] = [];
  const first = text.search(SURROGATE_PAIR);
  if (first < 0) return pairs;
  const last = text.length - 1;
  for (let i = first; i < last; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs.push(i);
        i++;
      }
    }
  }
  return pairs;
}

function checkIndex(index: number, max: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index > max) {
    throw new RangeError(`${what} ${index} is outside [0, ${max}]`);
  }
}

export function createOffsetConverter(text: string): OffsetConverter {
  const pairs = findSurrogatePairs(text);
  const utf16Length = text.length;
  const codePoints = utf16Length - pairs.length;
  if (pairs.length === 0) {
    return {
      codePointLength: codePoints,
      toCodePoint(utf16Index) {
        checkIndex(utf16Index, utf16Length, 'UTF-16 index');
        return utf16Index;
      },
      toUtf16(codePointIndex) {
        checkIndex(codePointIndex, codePoints, 'code point index');
        return codePointIndex;
      },
    };
  }

  // Pair k starts at UTF-16 index pairs[k] and at code point index pairs[k] - k; both rise strictly.
  // Each direction keeps the number of pairs wholly before its last query, so ascending queries
  // only walk forward and a backward jump falls back to a binary search.
  let lastUtf16 = 0;
  let pairsBeforeUtf16 = 0;
  let lastCodePoint = 0;
  let pairsBeforeCodePoint = 0;

  const countPairs = (isBefore: (k: number) => boolean): number => {
    let low = 0;
    let high = pairs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (isBefore(mid)) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  const endsBy = (limit: number) => (k: number) => pairs[k]! + 2 <= limit;
  const startsBefore = (limit: number) => (k: number) => pairs[k]! - k < limit;

  return {
    codePointLength: codePoints,
    toCodePoint(utf16Index) {
      checkIndex(utf16Index, utf16Length, 'UTF-16 index');
      if (utf16Index < lastUtf16) {
        pairsBeforeUtf16 = countPairs(endsBy(utf16Index));
      } else {
        while (pairsBeforeUtf16 < pairs.length && pairs[pairsBeforeUtf16]! + 2 <= utf16Index) pairsBeforeUtf16++;
      }
      lastUtf16 = utf16Index;
      return utf16Index - pairsBeforeUtf16;
    },
    toUtf16(codePointIndex) {
      checkIndex(codePointIndex, codePoints, 'code point index');
      if (codePointIndex < lastCodePoint) {
        pairsBeforeCodePoint = countPairs(startsBefore(codePointIndex));
      } else {
        while (
          pairsBeforeCodePoint < pairs.length &&
          pairs[pairsBeforeCodePoint]! - pairsBeforeCodePoint < codePointIndex
        ) {
          pairsBeforeCodePoint++;
        }
      }
      lastCodePoint = codePointIndex;
      return codePointIndex + pairsBeforeCodePoint;
    },
  };
}

/** Number of code points in `text`: `[...text].length` without building the array. */
export function codePointLength(text: string): number {
  return text.length - findSurrogatePairs(text).length;
}

/** `Array.prototype.slice`'s index rule: truncate, count negatives from the end, clamp. */
function resolveSliceIndex(index: number, length: number): number {
  const relative = Math.trunc(index) || 0;
  return relative < 0 ? Math.max(length + relative, 0) : Math.min(relative, length);
}

/**
 * `[...text].slice(start, end).join('')` (Python's `text[start:end]`), negative indices included,
 * without splitting the text into an array.
 */
export function sliceCodePoints(text: string, start: number, end?: number): string {
  if (!SURROGATE_PAIR.test(text)) return text.slice(start, end);
  const converter = createOffsetConverter(text);
  const length = converter.codePointLength;
  const from = resolveSliceIndex(start, length);
  const to = end === undefined ? length : resolveSliceIndex(end, length);
  if (to <= from) return '';
  return text.slice(converter.toUtf16(from), converter.toUtf16(to));
}
