import {
  degrees,
  popGraphicsState,
  pushGraphicsState,
  setCharacterSpacing,
  type PDFDocument,
  type PDFFont,
  type PDFPage,
  type RGB,
} from '@cantoo/pdf-lib';
import { createHash } from 'node:crypto';
import { loadFaces, splitRuns, type Face, type FaceName } from './fonts';
import { NO_SHAPING } from './fontkit-fast-paths';

/**
 * Text on a page with per-character font fallback: each run goes to the first face that has its glyphs, and each face
 * is embedded (as a subset) only if the document uses it.
 */
const widthCache = new Map<string, number>();

export class TextWriter {
  private readonly embedded = new Map<FaceName, Promise<PDFFont>>();
  private readonly faces = loadFaces();

  /** `subsetSeed` makes each document's subset tags its own (and the same for the same document). */
  constructor(
    private readonly pdf: PDFDocument,
    private readonly subsetSeed = '',
  ) {}

  /** Regular text falls back to HanaMinB; bold text to the regular face, then HanaMinB; monospace to the regular face. */
  chain(style: Style = 'regular'): Face[] {
    const { serif, serifBold, extB, mono } = this.faces;
    if (style === 'mono') return [mono, serif, extB];
    return style === 'bold' ? [serifBold, serif, extB] : [serif, extB];
  }

  private font(face: Face): Promise<PDFFont> {
    let font = this.embedded.get(face.name);
    if (!font) {
      font = this.pdf.embedFont(face.bytes, { subset: true, features: NO_SHAPING, customName: subsetName(face, this.subsetSeed) });
      this.embedded.set(face.name, font);
    }
    return font;
  }

  async width(text: string, size: number, style: Style | boolean = 'regular'): Promise<number> {
    let total = 0;
    for (const run of splitRuns(text, this.chain(styleOf(style)))) total += (await this.runWidth(run.face, run.text)) * size;
    return total;
  }

  /** Width at size 1. Labels, titles and seal text recur in every PDF, so widths are kept across documents. */
  private async runWidth(face: Face, text: string): Promise<number> {
    const key = `${face.name}\u0000${text}`;
    let width = widthCache.get(key);
    if (width === undefined) {
      width = (await this.font(face)).widthOfTextAtSize(text, 1000) / 1000;
      if (widthCache.size > 50_000) widthCache.clear();
      widthCache.set(key, width);
    }
    return width;
  }

  /** Largest size ≤ `size` at which the text fits `maxWidth`. */
  async fit(text: string, size: number, maxWidth: number, style: Style | boolean = 'regular', minSize = 6): Promise<number> {
    const width = await this.width(text, size, style);
    return width <= maxWidth ? size : Math.max(minSize, Math.floor(((size * maxWidth) / width) * 10) / 10);
  }

  async draw(
    page: PDFPage,
    text: string,
    options: {
      x: number;
      y: number;
      size: number;
      bold?: boolean;
      /** Monospace (the verification code). */
      mono?: boolean;
      color: RGB;
      align?: 'left' | 'center' | 'right';
      opacity?: number;
      /** Counter-clockwise, about the anchor point; runs advance along the rotated baseline. */
      rotateDegrees?: number;
      /** Extra space between characters, in points (titles are letter-spaced). */
      spacing?: number;
    },
  ): Promise<void> {
    const { size, align = 'left', spacing = 0 } = options;
    const style: Style = options.mono ? 'mono' : options.bold ? 'bold' : 'regular';
    const runs = splitRuns(text, this.chain(style));
    const chars = [...text].length;
    const width = (await this.width(text, size, style)) + spacing * Math.max(0, chars - 1);
    const angle = ((options.rotateDegrees ?? 0) * Math.PI) / 180;
    const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
    let advance = align === 'left' ? 0 : align === 'center' ? -width / 2 : -width;
    for (const run of runs) {
      const font = await this.font(run.face);
      // Letter spacing is the PDF's own character spacing (Tc) around one text object, not one object per character.
      if (spacing > 0) page.pushOperators(pushGraphicsState(), setCharacterSpacing(spacing));
      page.drawText(run.text, {
        x: options.x + dx * advance,
        y: options.y + dy * advance,
        size,
        font,
        color: options.color,
        ...(options.opacity !== undefined ? { opacity: options.opacity } : {}),
        ...(options.rotateDegrees ? { rotate: degrees(options.rotateDegrees) } : {}),
      });
      if (spacing > 0) page.pushOperators(popGraphicsState());
      advance += (await this.runWidth(run.face, run.text)) * size + spacing * [...run.text].length;
    }
  }
}

export type Style = 'regular' | 'bold' | 'mono';

const styleOf = (style: Style | boolean): Style => (style === true ? 'bold' : style === false ? 'regular' : style);

/**
 * ISO 32000 §9.6.4: a subset font's name is a six-letter upper-case tag, '+', then the PostScript name. The tag is
 * derived from the document and the face, so renders of the same document agree and two faces never share one.
 */
export function subsetName(face: Face, seed: string): string {
  const digest = createHash('sha256').update(`${seed}\u0000${face.name}`).digest();
  const tag = [...digest.subarray(0, 6)].map((byte) => String.fromCharCode(65 + (byte % 26))).join('');
  return `${tag}+${face.font.postscriptName}`;
}
