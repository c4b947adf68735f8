import { describe, expect, it } from 'vitest';
import { numberToString, PDFName, PDFNumber } from '@cantoo/pdf-lib';
import { useFastPdfObjects } from '../../shared/pdf/pdf-object-fast-paths';

// Coordinates, colours and widths as a page has them, and the numbers whose String() uses an exponent.
const NUMBERS = [0, -0, 1, -1, 0.5, 0.13, 595.28, 841.89, 12.345, -31.999, 1 / 3, 2 ** 31, 0.001, 123456789.125, 1e-7, -2.5e-9, 1e21, -3e25, 0.000001];

// Names as pages use them, one with a character PDF must escape, and escaped spellings of names.
const NAMES = ['Type', 'Font', 'F1-0', 'StructTreeRoot', 'Lang', 'ABCDEF+NotoSerifSC', 'A B', 'A#20B', 'Lime#20Green', 'Type#2F'];

describe('the fast PDF number and name paths', () => {
  const before = NUMBERS.map((n) => PDFNumber.of(n));
  const namesBefore = NAMES.map((n) => PDFName.of(n));
  const exact = PDFNumber.of;
  const exactName = PDFName.of;
  useFastPdfObjects();
  const after = NUMBERS.map((n) => PDFNumber.of(n));

  it('is installed once, and makes real PDFNumbers', () => {
    expect(PDFNumber.of).not.toBe(exact);
    expect(PDFName.of).not.toBe(exactName);
    const installed = [PDFNumber.of, PDFName.of];
    useFastPdfObjects();
    expect([PDFNumber.of, PDFName.of]).toEqual(installed);
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

  it('hands out the very name instances pdf-lib pooled, escaped spellings included', () => {
    const after = NAMES.map((n) => PDFName.of(n));
    for (const [i, name] of after.entries()) expect(name).toBe(namesBefore[i]);
    expect(PDFName.of('A#20B')).toBe(PDFName.of('A B'));
    expect(String(PDFName.of('A B'))).toBe('/A#20B');
    expect(PDFName.of('NewName' + NAMES.length)).toBe(PDFName.of(`NewName${NAMES.length}`));
  });
});
