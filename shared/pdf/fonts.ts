import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as fontkit from 'fontkit';
import type { FontkitFont } from 'fontkit';
import { FONT_FILES, type FaceName } from '../resources/font-files';
import { withFastPaths } from './fontkit-fast-paths';
import type { PDFDocument } from '@cantoo/pdf-lib';

type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];

/**
 * The certificate's fonts, read and parsed once per container. Noto Serif SC (TrueType) is the face; HanaMinB is the
 * per-character fallback for CJK Extension B+ name characters. Both are TrueType because fontkit cannot subset TTC or
 * CFF-flavoured OpenType, and @cantoo/pdf-lib + fontkit 2 keep every subset glyph (DESIGN.md).
 */
export { FONT_ASSETS, FONT_FILES, type FaceName } from '../resources/font-files';

export interface Face {
  name: FaceName;
  bytes: Uint8Array;
  font: FontkitFont;
}

// In Lambda the assets sit next to the bundle under LAMBDA_TASK_ROOT, at the same relative paths as in the repo.
const ROOT = process.env.LAMBDA_TASK_ROOT ?? resolve(import.meta.dirname, '../..');

let faces: Record<FaceName, Face> | undefined;

export function loadFaces(): Record<FaceName, Face> {
  if (!faces) {
    const load = (name: FaceName): Face => {
      const bytes = new Uint8Array(readFileSync(resolve(ROOT, FONT_FILES[name])));
      return { name, bytes, font: withFastPaths(fontkit.create(bytes)) };
    };
    faces = { serif: load('serif'), serifBold: load('serifBold'), extB: load('extB'), mono: load('mono') };
  }
  return faces;
}

/**
 * What pdf-lib calls to parse a font it embeds: for the bytes we loaded, it gets the font parsed at start-up instead of
 * parsing 15–30 MB again for every PDF. Each document still makes its own subset.
 */
export const cachedFontkit: Fontkit = {
  create(buffer: Uint8Array, postscriptName?: string) {
    const known = faces && Object.values(faces).find((face) => face.bytes === buffer);
    return (known?.font ?? fontkit.create(buffer, postscriptName)) as unknown as ReturnType<Fontkit["create"]>;
  },
};

/** A character that no font of the chain can draw: the PDF must not show a blank box in its place. */
export class UnrenderableCharacterError extends Error {
  override name = 'UnrenderableCharacterError';
  constructor(readonly character: string) {
    const codePoint = `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    super(`no font can draw ${codePoint}`);
    this.codePoint = codePoint;
  }
  readonly codePoint: string;
}

export interface Run {
  face: Face;
  text: string;
}

// Spaces and line controls need no glyph of their own to be seen correctly.
const NEEDS_NO_GLYPH = /^[\s\u200B-\u200D\uFEFF]$/u;

/** Splits text into runs, each drawn by the first face of the chain that has a glyph for every character in it. */
export function splitRuns(text: string, chain: readonly Face[]): Run[] {
  const runs: Run[] = [];
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    let face = chain.find((f) => f.font.hasGlyphForCodePoint(codePoint));
    if (!face) {
      if (!NEEDS_NO_GLYPH.test(char)) throw new UnrenderableCharacterError(char);
      face = chain[0]!;
    }
    const last = runs[runs.length - 1];
    if (last && last.face === face) last.text += char;
    else runs.push({ face, text: char });
  }
  return runs;
}
