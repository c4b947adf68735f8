import { rgb, type PDFPage } from '@cantoo/pdf-lib';
import type { TextWriter } from './text';

export const SEAL_RED = rgb(0.8, 0.07, 0.09);

/**
 * The visible electronic seal, drawn as vectors: a double ring, the seal authority's name around the top, a star and
 * a line across the bottom — the familiar shape of a Chinese official seal. (The cryptographic seal is the PDF's
 * digital signature; this is what a person sees.)
 */
export async function drawSeal(
  page: PDFPage,
  text: TextWriter,
  options: { cx: number; cy: number; radius: number; name: string; fallbackBottomLine: string },
): Promise<void> {
  const { cx, cy, radius } = options;
  // A ministry seal carries the ministry round the arc and the seal's purpose across the bottom.
  const split = /^(.+?部)(.+)$/u.exec(options.name);
  const name = split ? split[1]! : options.name;
  const bottomLines = split ? breakLine(split[2]!, 8) : [options.fallbackBottomLine];
  page.drawCircle({ x: cx, y: cy, size: radius, borderColor: SEAL_RED, borderWidth: 2.6, borderOpacity: 0.92 });
  page.drawCircle({ x: cx, y: cy, size: radius - 4.5, borderColor: SEAL_RED, borderWidth: 0.6, borderOpacity: 0.92 });

  // The name runs clockwise over the top, from lower left to lower right (about 250° of arc).
  const chars = [...name];
  const size = Math.min(12, Math.max(7, (radius * 4.3) / chars.length));
  const baseline = radius - 7.5 - size;
  const span = Math.min(245, chars.length * ((size * 1.12) / baseline) * (180 / Math.PI));
  const start = 90 + span / 2;
  const step = chars.length > 1 ? span / (chars.length - 1) : 0;
  for (const [i, char] of chars.entries()) {
    const theta = ((start - i * step) * Math.PI) / 180;
    const phi = theta - Math.PI / 2;
    const width = await text.width(char, size);
    const px = cx + baseline * Math.cos(theta) - (width / 2) * Math.cos(phi);
    const py = cy + baseline * Math.sin(theta) - (width / 2) * Math.sin(phi);
    await text.draw(page, char, { x: px, y: py, size, color: SEAL_RED, opacity: 0.92, rotateDegrees: (phi * 180) / Math.PI });
  }

  // Five-pointed star in the middle.
  const outer = radius * 0.3;
  const inner = outer * 0.382;
  const points: string[] = [];
  for (let k = 0; k < 10; k++) {
    const r = k % 2 === 0 ? outer : inner;
    const a = Math.PI / 2 + (k * Math.PI) / 5;
    // drawSvgPath uses SVG coordinates: y grows downwards from the given origin.
    points.push(`${(r * Math.cos(a)).toFixed(2)} ${(-r * Math.sin(a)).toFixed(2)}`);
  }
  page.drawSvgPath(`M ${points.join(' L ')} Z`, { x: cx, y: cy + radius * 0.12, color: SEAL_RED, opacity: 0.92 });

  const longest = Math.max(...bottomLines.map((line) => [...line].length));
  const bottomSize = Math.min(10, (radius * 1.15) / Math.max(1, longest));
  for (const [i, line] of bottomLines.entries()) {
    await text.draw(page, line, {
      x: cx,
      y: cy - radius * 0.36 - i * (bottomSize + 2.5),
      size: bottomSize,
      color: SEAL_RED,
      opacity: 0.92,
      align: 'center',
    });
  }
}

/** Splits text into lines of at most `width` characters, as evenly as possible. */
function breakLine(line: string, width: number): string[] {
  const chars = [...line];
  const count = Math.ceil(chars.length / width);
  const per = Math.ceil(chars.length / count);
  return Array.from({ length: count }, (_, i) => chars.slice(i * per, (i + 1) * per).join(''));
}
