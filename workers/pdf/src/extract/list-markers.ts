/**
 * List markers: bullets (`•`, `◦`, `‣`, `-`, `*`, `–`, …) and enumerators (`1.`, `2)`, `a)`, `(iv)`,
 * `iv.`). A line starts a list item when its text begins with a marker followed by white space;
 * a run that is only a marker may stand apart from its item's text (a tab stop).
 *
 * Lower-case letters and lower-case roman numerals count with `)` or in parentheses, and roman ones
 * also with `.`; a capital letter with `.` does not (it is an initial: "J. Smith").
 */

const BULLETS = '•◦‣⁃∙·▪▫■□●○◆◇❖❑►▶➢➤✓✔-*–—';
const MARKER = new RegExp(
  [
    `[${BULLETS.replace(/[-*]/g, '\\$&')}]`,
    '\\d{1,3}[.)]',
    '\\(\\d{1,3}\\)',
    '[a-z]\\)',
    '\\([a-zA-Z]\\)',
    '[ivx]{1,5}[.)]',
    '\\([ivxIVX]{1,5}\\)',
    '[IVX]{1,5}\\)',
  ].join('|'),
  'u',
);
const LONE = new RegExp(`^(?:${MARKER.source})$`, 'u');
const LEADING = new RegExp(`^(?:${MARKER.source})\\s+\\S`, 'u');

/** The whole text is one list marker. */
export const isListMarker = (text: string): boolean => LONE.test(text.trim());

/** The text begins with a list marker and then, after white space, the item. */
export const startsWithListMarker = (text: string): boolean => LEADING.test(text.trimStart());
