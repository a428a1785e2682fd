/**
 * Long texts over a fixed model window, pure.
 *
 * A text of `length` content tokens (special tokens excluded) is cut into windows of at most
 * `size` tokens; consecutive windows share `stride` tokens, so every token near a cut is also seen
 * with context on both sides. Each token is then *owned* by exactly one window, the one in which
 * it sits farthest from an edge (the overlap is split at its middle). Only the owner's logits are
 * kept, so the text is decoded once over merged per-token scores: an entity across a cut is
 * neither cut nor reported twice.
 */

export interface TokenWindow {
  /** First content token of the window. */
  start: number;
  /** One past the last content token of the window. */
  end: number;
  /** First token whose logits this window provides. */
  ownStart: number;
  /** One past the last token whose logits this window provides. */
  ownEnd: number;
}

/**
 * @param length content tokens in the text
 * @param size content tokens per window (the model window less its special tokens)
 * @param stride tokens shared by consecutive windows, in `[0, size / 2]`
 */
export function planWindows(length: number, size: number, stride: number): TokenWindow[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size ${size} must be a positive integer`);
  if (!Number.isInteger(stride) || stride < 0 || stride * 2 > size) {
    throw new RangeError(
      `stride ${stride} must be an integer in [0, ${Math.floor(size / 2)}] for windows of ${size} tokens`,
    );
  }
  if (length === 0) return [];
  const windows: TokenWindow[] = [];
  for (let start = 0; ; start += size - stride) {
    const end = Math.min(start + size, length);
    windows.push({ start, end, ownStart: start, ownEnd: end });
    if (end === length) break;
  }
  for (let k = 1; k < windows.length; k++) {
    const previous = windows[k - 1]!;
    const current = windows[k]!;
    const middle = current.start + Math.floor((previous.end - current.start) / 2);
    previous.ownEnd = middle;
    current.ownStart = middle;
  }
  return windows;
}
