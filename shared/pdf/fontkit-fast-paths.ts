import type { FontkitFont } from 'fontkit';

/**
 * Faster routes through fontkit for what the certificate draws, each giving the same glyphs and bytes as fontkit's
 * own (test/unit/fontkit-fast-paths.test.ts compares them). Profiled on 300 warm PDFs, fontkit's layout engine and its
 * TrueType subsetter were a quarter of the render's CPU; neither does anything useful for this document.
 */

/**
 * The features the certificate switches off: Han, kana, digits and NFC Latin need no OpenType shaping here (Noto
 * Serif SC already has the Simplified Chinese forms by default). pdf-lib passes this object back to `layout`, which is
 * how the fast path knows the text is drawn unshaped. Not frozen: fontkit's shaping plan writes into the object.
 */
export const NO_SHAPING: Record<string, boolean> = Object.fromEntries(
  ['liga', 'kern', 'calt', 'clig', 'ccmp', 'locl', 'mark', 'mkmk', 'rlig', 'rclt', 'curs'].map((f) => [f, false]),
);

interface Glyph {
  id: number;
  advanceWidth: number;
  _getMetrics(): { leftBearing: number };
}

interface FontInternals {
  layout(text: string, features?: unknown, ...rest: unknown[]): { glyphs: Glyph[] };
  glyphsForString(text: string): Glyph[];
  glyphForCodePoint(codePoint: number): Glyph;
  hasGlyphForCodePoint(codePoint: number): boolean;
  getGlyph(id: number): Glyph;
  createSubset(): object;
  loca: { offsets: number[] };
  _getTableStream(tag: string): { pos: number; readBuffer(length: number): Uint8Array };
  _variationProcessor?: unknown;
  directory: { tables: Record<string, unknown> };
}

interface TtfSubset {
  font: FontInternals;
  glyf: Uint8Array[];
  loca: { offsets: number[] };
  hmtx: { metrics: Array<{ advance: number; bearing: number }> };
  offset: number;
  _addGlyph(gid: number): number;
}

const patchedSubsetClasses = new WeakSet<object>();

/** Installs the fast paths on one parsed font (once per container); returns the same font. */
export function withFastPaths(font: FontkitFont): FontkitFont {
  const internals = font as unknown as FontInternals;
  const layout = internals.layout.bind(font);
  // With every shaping feature off, fontkit's layout is its cmap mapping plus a shaping plan that changes nothing;
  // building that plan (script detection, feature sets) for every string cost more than the mapping itself.
  internals.layout = (text, features, ...rest) =>
    features === NO_SHAPING && rest.length === 0 ? { glyphs: internals.glyphsForString(text) } : layout(text, features, ...rest);

  // Every string of every PDF asks the cmap again for the same few hundred characters.
  internals.glyphForCodePoint = perCodePoint(internals.glyphForCodePoint.bind(font));
  internals.hasGlyphForCodePoint = perCodePoint(internals.hasGlyphForCodePoint.bind(font));

  if (!internals.directory.tables['CFF ']) fasterTrueTypeSubsets(Object.getPrototypeOf(internals.createSubset()) as TtfSubset);
  return font;
}

function perCodePoint<T>(lookup: (codePoint: number) => T): (codePoint: number) => T {
  const answers = new Map<number, T>();
  return (codePoint) => {
    let answer = answers.get(codePoint);
    if (answer === undefined) answers.set(codePoint, (answer = lookup(codePoint)));
    return answer;
  };
}

/**
 * fontkit's TrueType subsetter decodes each glyph's whole outline only to learn whether it is a composite (whose
 * components must be renumbered); the raw bytes it then copies tell that in their first two bytes (a negative
 * numberOfContours). Simple glyphs are copied without decoding; composites and variable fonts take fontkit's path.
 */
function fasterTrueTypeSubsets(subset: TtfSubset): void {
  if (patchedSubsetClasses.has(subset)) return;
  patchedSubsetClasses.add(subset);
  const addGlyph = subset._addGlyph;
  subset._addGlyph = function (this: TtfSubset, gid: number): number {
    const font = this.font;
    if (font._variationProcessor) return addGlyph.call(this, gid);
    const start = font.loca.offsets[gid]!;
    const end = font.loca.offsets[gid + 1]!;
    const stream = font._getTableStream('glyf');
    stream.pos += start;
    const buffer = stream.readBuffer(end - start);
    if (buffer.length >= 2 && (buffer[0]! & 0x80) !== 0) return addGlyph.call(this, gid);
    const glyph = font.getGlyph(gid);
    this.glyf.push(buffer);
    this.loca.offsets.push(this.offset);
    this.hmtx.metrics.push({ advance: glyph.advanceWidth, bearing: glyph._getMetrics().leftBearing });
    this.offset += buffer.length;
    return this.glyf.length - 1;
  };
}
