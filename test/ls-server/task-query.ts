/**
 * The Data Manager query of `GET /api/tasks/` (protocol §4.2), reduced to what the test server supports:
 * `filters` on `filter:tasks:id` (conjunction and/or; operators equal, not_equal, greater, greater_or_equal,
 * less, less_or_equal, in / not_in with `{min, max}`, in_list / not_in_list), `selectedItems`
 * (`{all: true, excluded}` / `{all: false, included}`) and `ordering` `tasks:id` / `-tasks:id`.
 *
 * A query compiles to a sorted list of disjoint, inclusive id ranges, so a page is found by binary search
 * over a project's sorted task ids without touching the tasks outside it. Anything else in the query is
 * rejected with `TaskQueryError` rather than silently ignored.
 */

export class TaskQueryError extends Error {
  override name = 'TaskQueryError';
}

/** Inclusive integer id range; bounds may be ±Infinity. */
export type IdRange = readonly [number, number];

export interface CompiledTaskQuery {
  ranges: IdRange[];
  descending: boolean;
}

const ALL: IdRange[] = [[Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]];

function intersect(a: IdRange[], b: IdRange[]): IdRange[] {
  const out: IdRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [aLo, aHi] = a[i]!;
    const [bLo, bHi] = b[j]!;
    const lo = Math.max(aLo, bLo);
    const hi = Math.min(aHi, bHi);
    if (lo <= hi) out.push([lo, hi]);
    if (aHi < bHi) i += 1;
    else j += 1;
  }
  return out;
}

function union(a: IdRange[], b: IdRange[]): IdRange[] {
  const all = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of all) {
    const last = out.at(-1);
    // Ids are integers, so [1, 3] and [4, 9] touch.
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(ranges: IdRange[]): IdRange[] {
  const out: IdRange[] = [];
  let from = Number.NEGATIVE_INFINITY;
  for (const [lo, hi] of ranges) {
    if (lo > from) out.push([from, lo - 1]);
    from = hi + 1;
  }
  if (from !== Number.POSITIVE_INFINITY) out.push([from, Number.POSITIVE_INFINITY]);
  return out;
}

function points(ids: number[]): IdRange[] {
  return union(
    ids.filter(Number.isInteger).map((id): IdRange => [id, id]),
    [],
  );
}

function toNumber(value: unknown, what: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new TaskQueryError(`${what}: not a number: ${JSON.stringify(value)}`);
  return n;
}

function toIdList(value: unknown, what: string): number[] {
  if (!Array.isArray(value)) throw new TaskQueryError(`${what} must be a list of task ids`);
  return value.map((id) => toNumber(id, what));
}

function between(min: number, max: number): IdRange[] {
  const lo = Math.ceil(min);
  const hi = Math.floor(max);
  return lo <= hi ? [[lo, hi]] : [];
}

function compileFilter(item: unknown): IdRange[] {
  if (typeof item !== 'object' || item === null) throw new TaskQueryError('filter item must be an object');
  const { filter, operator, value } = item as Record<string, unknown>;
  if (filter !== 'filter:tasks:id') {
    throw new TaskQueryError(`ls-test-server supports filters on filter:tasks:id only, got ${JSON.stringify(filter)}`);
  }
  switch (operator) {
    case 'equal': {
      const v = toNumber(value, 'equal');
      return Number.isInteger(v) ? [[v, v]] : [];
    }
    case 'not_equal':
      return complement(compileFilter({ filter, operator: 'equal', value }));
    case 'greater':
      return [[Math.floor(toNumber(value, 'greater')) + 1, Number.POSITIVE_INFINITY]];
    case 'greater_or_equal':
      return [[Math.ceil(toNumber(value, 'greater_or_equal')), Number.POSITIVE_INFINITY]];
    case 'less':
      return [[Number.NEGATIVE_INFINITY, Math.ceil(toNumber(value, 'less')) - 1]];
    case 'less_or_equal':
      return [[Number.NEGATIVE_INFINITY, Math.floor(toNumber(value, 'less_or_equal'))]];
    case 'in':
    case 'not_in': {
      if (typeof value !== 'object' || value === null) throw new TaskQueryError(`${operator} needs {min, max}`);
      const { min, max } = value as Record<string, unknown>;
      const range = between(toNumber(min, `${operator}.min`), toNumber(max, `${operator}.max`));
      return operator === 'in' ? range : complement(range);
    }
    case 'in_list':
      return points(toIdList(value, 'in_list'));
    case 'not_in_list':
      return complement(points(toIdList(value, 'not_in_list')));
    default:
      throw new TaskQueryError(`ls-test-server does not support operator ${JSON.stringify(operator)} on tasks:id`);
  }
}

function compileFilters(filters: unknown): IdRange[] {
  if (filters === undefined || filters === null) return ALL;
  if (typeof filters !== 'object') throw new TaskQueryError('filters must be an object');
  const { conjunction = 'and', items = [] } = filters as Record<string, unknown>;
  if (!Array.isArray(items)) throw new TaskQueryError('filters.items must be a list');
  if (conjunction !== 'and' && conjunction !== 'or') throw new TaskQueryError('conjunction must be "and" or "or"');
  if (items.length === 0) return ALL;
  const compiled = items.map(compileFilter);
  return compiled.reduce((acc, next) => (conjunction === 'and' ? intersect(acc, next) : union(acc, next)));
}

function compileSelected(selected: unknown): IdRange[] {
  if (selected === undefined || selected === null) return ALL;
  if (typeof selected !== 'object') throw new TaskQueryError('selectedItems must be an object');
  const { all, included, excluded } = selected as Record<string, unknown>;
  if (all === true) return excluded === undefined ? ALL : complement(points(toIdList(excluded, 'excluded')));
  if (all === false) return included === undefined ? [] : points(toIdList(included, 'included'));
  throw new TaskQueryError('selectedItems.all must be a boolean');
}

function compileOrdering(ordering: unknown): boolean {
  if (ordering === undefined || ordering === null) return false;
  if (!Array.isArray(ordering) || ordering.length > 1)
    throw new TaskQueryError('ordering must be a list of one column');
  const [column] = ordering as unknown[];
  if (column === undefined || column === 'tasks:id' || column === 'id') return false;
  if (column === '-tasks:id' || column === '-id') return true;
  throw new TaskQueryError(`ls-test-server orders by tasks:id only, got ${JSON.stringify(column)}`);
}

/** Compiles the URL-decoded `query` parameter (a JSON string) of `GET /api/tasks/`. */
export function compileTaskQuery(query: string | null): CompiledTaskQuery {
  if (query === null || query === '') return { ranges: ALL, descending: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(query);
  } catch {
    throw new TaskQueryError('query is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new TaskQueryError('query must be a JSON object');
  const q = parsed as Record<string, unknown>;
  return {
    ranges: intersect(compileFilters(q['filters']), compileSelected(q['selectedItems'])),
    descending: compileOrdering(q['ordering']),
  };
}

/** First index whose id is ≥ `id` in an ascending array. */
export function lowerBound(ids: readonly number[], id: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The ranges as half-open index intervals `[from, to)` into `ids` (ascending), skipping empty ones. */
export function indexIntervals(ids: readonly number[], ranges: IdRange[]): [number, number][] {
  const out: [number, number][] = [];
  for (const [lo, hi] of ranges) {
    const from = lowerBound(ids, lo);
    const to = hi === Number.POSITIVE_INFINITY ? ids.length : lowerBound(ids, hi + 1);
    if (from < to) out.push([from, to]);
  }
  return out;
}

/** Indexes of one page: skip `offset` matches, take up to `limit`, walking the intervals forwards or backwards. */
export function pageIndexes(
  intervals: [number, number][],
  offset: number,
  limit: number,
  descending: boolean,
): number[] {
  const out: number[] = [];
  let skip = offset;
  const ordered = descending ? [...intervals].reverse() : intervals;
  for (const [from, to] of ordered) {
    const size = to - from;
    if (skip >= size) {
      skip -= size;
      continue;
    }
    if (descending) {
      for (let i = to - 1 - skip; i >= from && out.length < limit; i -= 1) out.push(i);
    } else {
      for (let i = from + skip; i < to && out.length < limit; i += 1) out.push(i);
    }
    skip = 0;
    if (out.length >= limit) break;
  }
  return out;
}
