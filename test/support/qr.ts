import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';

/** Renders page 1 with poppler's pdftoppm (greyscale) and decodes the first QR code on it, as a phone camera would. */
export function decodeQrOnFirstPage(pdf: Uint8Array, dpi = 150): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-qr-'));
  writeFileSync(join(dir, 'doc.pdf'), pdf);
  execFileSync('pdftoppm', ['-gray', '-r', String(dpi), '-f', '1', '-l', '1', '-singlefile', join(dir, 'doc.pdf'), join(dir, 'page')]);
  const pgm = readFileSync(join(dir, 'page.pgm'));
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.toString('latin1', 0, 40));
  if (!header) throw new Error('pdftoppm did not write a PGM');
  const [width, height] = [Number(header[1]), Number(header[2])];
  const grey = pgm.subarray(header[0].length);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = grey[i]!;
    rgba[i * 4 + 3] = 255;
  }
  return jsQR(rgba, width, height)?.data;
}
