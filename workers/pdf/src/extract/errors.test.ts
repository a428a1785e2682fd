/** Classified failures: the checks before pdfjs and the mapping of what pdfjs throws. */
import { describe, expect, it } from 'vitest';
import { PdfExtractionError } from './document.ts';
import { checkPdfBytes, classifyPdfError, deserializePdfError, hasPdfSignature, serializePdfError } from './errors.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('checkPdfBytes', () => {
  it.each([
    { name: 'a PDF header', input: bytes('%PDF-1.7\n…'), code: undefined },
    { name: 'junk before the header', input: bytes(`${' '.repeat(500)}%PDF-1.4`), code: undefined },
    { name: 'the header too late', input: bytes(`${' '.repeat(1100)}%PDF-1.4`), code: 'not_pdf' },
    { name: 'HTML', input: bytes('<!doctype html><html>'), code: 'not_pdf' },
    { name: 'nothing', input: new Uint8Array(0), code: 'not_pdf' },
    {
      name: 'a PDF without its header line',
      input: bytes(
        '%\xe2\xe3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\nstartxref\n449\n%%EOF\n',
      ),
      code: undefined,
    },
    { name: 'a text that mentions obj', input: bytes('see 1 0 obj in the spec'), code: 'not_pdf' },
    { name: 'over the size limit', input: bytes(`%PDF-1.4${' '.repeat(200)}`), code: 'too_large' },
  ])('$name', ({ input, code }) => {
    const check = () => checkPdfBytes(input, 100 + (code === 'too_large' ? 0 : 10_000));
    if (code === undefined) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code }));
  });

  it('names both sizes when a file is too large', () => {
    expect(() => checkPdfBytes(new Uint8Array(3 * 1024 * 1024).fill(37), 1024 * 1024)).toThrow(
      'the PDF is 3.0 MiB, more than the limit of 1.0 MiB',
    );
  });
});

describe('hasPdfSignature', () => {
  it('finds %PDF- within the first 1024 bytes only', () => {
    expect(hasPdfSignature(bytes('%PDF-'))).toBe(true);
    expect(hasPdfSignature(bytes('%PDF'))).toBe(false);
  });
});

describe('classifyPdfError', () => {
  const pdfjsError = (name: string, message: string, code?: number) =>
    Object.assign(new Error(message), { name, code });
  it.each([
    { error: pdfjsError('PasswordException', 'No password given', 1), code: 'password_required' },
    { error: pdfjsError('PasswordException', 'Incorrect Password', 2), code: 'wrong_password' },
    { error: pdfjsError('InvalidPDFException', 'Invalid PDF structure.'), code: 'damaged' },
    { error: pdfjsError('FormatError', 'Bad FCHECK in flate stream'), code: 'damaged' },
    { error: new RangeError('Array buffer allocation failed'), code: 'out_of_memory' },
    { error: 'a thrown string', code: 'damaged' },
  ])('$code', ({ error, code }) => {
    expect(classifyPdfError(error).code).toBe(code);
  });

  it('tells the user where the password goes, and keeps our own errors as they are', () => {
    expect(classifyPdfError(pdfjsError('PasswordException', 'No password given', 1)).message).toBe(
      'the PDF is encrypted: give its password (run option "password" or task data field "pdf_password")',
    );
    const own = new PdfExtractionError('too_many_pages', 'too many');
    expect(classifyPdfError(own)).toBe(own);
  });

  it('keeps messages on one bounded line', () => {
    const { message } = classifyPdfError(new Error(`first\nsecond ${'x'.repeat(500)}`));
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(260);
  });
});

describe('serializePdfError / deserializePdfError', () => {
  it('round-trips code and message', () => {
    const error = deserializePdfError(serializePdfError(new PdfExtractionError('no_pages', 'the PDF has no pages')));
    expect(error).toBeInstanceOf(PdfExtractionError);
    expect(error).toMatchObject({ code: 'no_pages', message: 'the PDF has no pages' });
  });
});
