/**
 * How Django REST framework reads the JSON field types the test server's LS routes accept: dicts,
 * FloatField (numbers and numeric strings), CharField (strings, numbers turned into strings) and
 * BooleanField (its accepted true/false spellings). `undefined` means "not a valid value".
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** DRF FloatField: numbers and numeric strings; undefined when the value is not a valid number. */
export function toScore(value: unknown): number | null | undefined {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** DRF CharField: strings, and numbers turned into strings; undefined otherwise. */
export function toCharField(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

const TRUE_VALUES = new Set<unknown>([true, 1, '1', 'true', 'True', 'TRUE', 't', 'T', 'yes', 'on']);
const FALSE_VALUES = new Set<unknown>([false, 0, '0', 'false', 'False', 'FALSE', 'f', 'F', 'no', 'off']);

/** DRF BooleanField. */
export function toBoolean(value: unknown): boolean | undefined {
  if (TRUE_VALUES.has(value)) return true;
  if (FALSE_VALUES.has(value)) return false;
  return undefined;
}
