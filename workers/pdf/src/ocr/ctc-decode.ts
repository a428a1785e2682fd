/**
 * CTC greedy decoding of the recogniser's output, after PaddleOCR's `CTCLabelDecode`.
 *
 * The character list is PaddleOCR's: class 0 is the CTC blank, classes 1…n are the dictionary
 * file's lines in order, and with `use_space_char` (true for the PP-OCR models) one more class, a
 * space, follows. Decoding takes the most probable class per time step, merges repeats, drops
 * blanks, and scores the text with the mean of the kept steps' probabilities (0 for no text).
 */

/** The class list for a dictionary file's text: blank, its lines, a space. */
export function ctcClasses(dictionaryText: string): string[] {
  const lines = dictionaryText.split(/\r?\n/);
  // The file may or may not end with a newline; an empty last line is not a character.
  if (lines.at(-1) === '') lines.pop();
  return ['', ...lines, ' '];
}

export interface DecodedText {
  text: string;
  /** Mean probability of the kept time steps, 0..1. */
  confidence: number;
}

/**
 * Decodes one sequence: `probs` holds `steps` rows of `classes.length` probabilities (softmax
 * output), row-major, starting at `offset`.
 */
export function decodeCtc(
  probs: ArrayLike<number>,
  offset: number,
  steps: number,
  classes: readonly string[],
): DecodedText {
  const classCount = classes.length;
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let step = 0; step < steps; step++) {
    const row = offset + step * classCount;
    let best = 0;
    let bestProb = probs[row]!;
    for (let k = 1; k < classCount; k++) {
      const p = probs[row + k]!;
      if (p > bestProb) {
        best = k;
        bestProb = p;
      }
    }
    if (best !== 0 && best !== previous) {
      text += classes[best];
      sum += bestProb;
      kept++;
    }
    previous = best;
  }
  return { text, confidence: kept === 0 ? 0 : sum / kept };
}
