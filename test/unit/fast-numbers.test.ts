import { describe, expect, it } from 'vitest';
import { numberToString, PDFNumber } from '@cantoo/pdf-lib';
import { useFastNumbers } from '../../shared/pdf/fast-numbers';

// Coordinates, colours and widths as a page has them, and the numbers whose String() uses an exponent.
const NUMBERS = [0, -0, 1, -1, 0.5, 0.13, 595.28, 841.89, 12.345, -31.999, 1 / 3, 2 ** 31, 0.001, 123456789.125, 1e-7, -2.5e-9, 1e21, -3e25, 0.000001];

describe('the fast PDF number path', () => {
  const before = NUMBERS.map((n) => PDFNumber.of(n));
  const exact = PDFNumber.of;
  useFastNumbers();
  const after = NUMBERS.map((n) => PDFNumber.of(n));

  it('is installed once, and makes real PDFNumbers', () => {
    expect(PDFNumber.of).not.toBe(exact);
    const installed = PDFNumber.of;
    useFastNumbers();
    expect(PDFNumber.of).toBe(installed);
    for (const n of after) expect(n).toBeInstanceOf(PDFNumber);
  });

  it('writes every number exactly as pdf-lib did, exponents spelt out', () => {
    expect(after.map(String)).toEqual(NUMBERS.map((n) => numberToString(n)));
    expect(after.map(String)).toEqual(before.map(String));
    // PDF has no exponent notation (ISO 32000-1 §7.3.3): those still take pdf-lib's own path.
    for (const n of after) expect(String(n)).toMatch(/^-?\d+(\.\d+)?$/);
    expect(String(PDFNumber.of(1e21))).toBe('1000000000000000000000');
  });

  it('keeps the value, size and bytes of each number', () => {
    for (const [i, n] of after.entries()) {
      expect(n.asNumber()).toBe(before[i]!.asNumber());
      expect(n.sizeInBytes()).toBe(before[i]!.sizeInBytes());
      const [a, b] = [new Uint8Array(n.sizeInBytes()), new Uint8Array(n.sizeInBytes())];
      n.copyBytesInto(a, 0);
      before[i]!.copyBytesInto(b, 0);
      expect(a).toEqual(b);
      expect(String(n.clone())).toBe(String(n));
    }
  });
});
