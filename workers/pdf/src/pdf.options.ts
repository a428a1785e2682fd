/**
 * Options of the `pdf` pipeline, as a run or `extra_params` gives them; every key is optional:
 * `{"template": "layout", "sourceField": "pdf", "ocr": "auto", "pagesField": "pages",
 *   "pageImageScale": 1.5, "transcription": "document", "textField": "text", "labelAliases": {"heading": "Title"}}`.
 * Unknown keys are rejected so that a misspelt option is reported, not ignored.
 */
import { z } from 'zod';
import { BLOCK_KINDS } from './ls-templates.ts';

const notBlank = z.string().regex(/\S/, 'must not be blank');
const dataKey = z.string().regex(/^[^$\s][^\s]*$/, 'must be a task data key without "$"');

export const PdfOptions = z.strictObject({
  /**
   * Which Label Studio template to fill (README "PDF templates"). `auto`: `layout` when the config
   * has `<RectangleLabels>` on an `<Image valueList>`, else `transcription` when it has a
   * `<TextArea>`, else `text` when `textField` is set.
   * @defaultValue 'auto'
   */
  template: z.enum(['auto', 'transcription', 'layout', 'text']).default('auto'),
  /** Task data key holding the PDF's URL; default: the data key of the control's object, else `pdf`. */
  sourceField: dataKey.optional(),
  /** `auto`: OCR pages without a text layer; `never`; `always`: OCR every page. @defaultValue 'auto' */
  ocr: z.enum(['auto', 'never', 'always']).default('auto'),
  /** Password for encrypted PDFs (a secret: never shown, not part of model_version). */
  password: z.string().min(1).optional(),
  /** Task data key that may hold a task's own PDF password; it wins over `password`. @defaultValue 'pdf_password' */
  passwordField: dataKey.default('pdf_password'),
  /** Transcription: one text for the whole document, or one entry per page. @defaultValue 'document' */
  transcription: z.enum(['document', 'page']).default('document'),
  /** Layout: the task data key the page image list is written to; default: the `<Image valueList>` key. */
  pagesField: dataKey.optional(),
  /** Layout: page images are rendered at this many pixels per PDF point (1.5 ≈ 108 dpi). @defaultValue 1.5 */
  pageImageScale: z.number().min(0.25).max(4).default(1.5),
  /** Text template: the task data key the extracted text is written to, for an NER run to label. */
  textField: dataKey.optional(),
  /** Layout: region kind (title, heading, text, list, table, figure, header, footer) → config label. */
  labelAliases: z.partialRecord(z.enum(BLOCK_KINDS), notBlank).default({}),
  /** Name of the control to fill (`<RectangleLabels>` or `<TextArea>`); default: the first that fits. */
  fromName: notBlank.optional(),
});

export type PdfOptions = z.infer<typeof PdfOptions>;
