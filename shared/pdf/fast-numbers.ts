import { PDFNumber } from '@cantoo/pdf-lib';

/**
 * pdf-lib writes every number of a page (coordinates, colours, the QR code's runs) through `numberToString`, which
 * formats the number three times and splits the strings to rule out exponent notation: 7 % of the render's CPU in
 * the profile. A number whose plain `String()` has no exponent — every number a page of ours holds — gets exactly
 * that string, which is what `numberToString` returns for it; anything else still takes pdf-lib's own path.
 */
let installed = false;

export function useFastNumbers(): void {
  if (installed) return;
  installed = true;
  const exact = PDFNumber.of;
  PDFNumber.of = (value: number): PDFNumber => {
    const text = String(value);
    if (text.includes('e')) return exact(value);
    // The two fields PDFNumber's constructor sets (private in its typings).
    const number = Object.create(PDFNumber.prototype) as { numberValue: number; stringValue: string };
    number.numberValue = value;
    number.stringValue = text;
    return number as unknown as PDFNumber;
  };
}
