import { PDFName, PDFNumber } from '@cantoo/pdf-lib';

/**
 * Two of pdf-lib's smallest objects, made on every operator of a page, cost more than they need to (the render's CPU
 * profile); both paths give exactly the objects pdf-lib gives.
 *
 * - Numbers: `numberToString` formats each number three times and splits the strings to rule out exponent notation
 *   (7 % of the render). A number whose plain `String()` has no exponent — every number a page of ours holds — gets
 *   that string, which is what `numberToString` returns for it; anything else still takes pdf-lib's own path.
 * - Names: `PDFName.of` runs a regular expression over the name to decode `#xx` escapes before looking it up in its
 *   pool (3.5 %). A name without `#` decodes to itself, so it is looked up directly, in a pool of the same instances.
 */
let installed = false;

export function useFastPdfObjects(): void {
  if (installed) return;
  installed = true;

  const exactNumber = PDFNumber.of;
  PDFNumber.of = (value: number): PDFNumber => {
    const text = String(value);
    if (text.includes('e')) return exactNumber(value);
    // The two fields PDFNumber's constructor sets (private in its typings).
    const number = Object.create(PDFNumber.prototype) as { numberValue: number; stringValue: string };
    number.numberValue = value;
    number.stringValue = text;
    return number as unknown as PDFNumber;
  };

  const exactName = PDFName.of;
  const plainNames = new Map<string, PDFName>();
  PDFName.of = (name: string): PDFName => {
    if (name.includes('#')) return exactName(name);
    let pdfName = plainNames.get(name);
    if (!pdfName) plainNames.set(name, (pdfName = exactName(name)));
    return pdfName;
  };
}
