import type { PDFArray, PDFRawStream} from '@cantoo/pdf-lib';
import { PDFDict, PDFDocument, PDFName, decodePDFRawStream } from '@cantoo/pdf-lib';
import * as fontkit from 'fontkit';

/**
 * What a reader will actually draw: for every embedded (subset) font, each glyph the document uses, the Unicode text
 * its ToUnicode map claims for it, and whether the glyph has an outline. Text extraction alone reads ToUnicode and
 * would happily report characters whose glyphs are empty boxes; this looks at the outlines.
 */
export interface DrawnGlyph {
  font: string;
  glyphId: number;
  text: string;
  commands: number;
}

function parseToUnicode(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  const hexToText = (hex: string) => {
    const units: number[] = [];
    for (let i = 0; i < hex.length; i += 4) units.push(parseInt(hex.slice(i, i + 4), 16));
    return String.fromCharCode(...units);
  };
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(parseInt(m[1]!, 16), hexToText(m[2]!));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])/g)) {
      const lo = parseInt(m[1]!, 16);
      const hi = parseInt(m[2]!, 16);
      const target = m[3]!;
      if (target.startsWith('[')) {
        const items = [...target.matchAll(/<([0-9A-Fa-f]+)>/g)].map((x) => hexToText(x[1]!));
        for (let code = lo; code <= hi; code++) map.set(code, items[code - lo] ?? '');
      } else {
        const base = hexToText(target.slice(1, -1));
        const last = base.charCodeAt(base.length - 1);
        for (let code = lo; code <= hi; code++) map.set(code, base.slice(0, -1) + String.fromCharCode(last + code - lo));
      }
    }
  }
  return map;
}

export async function drawnGlyphs(bytes: Uint8Array): Promise<DrawnGlyph[]> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const { context } = doc;
  const glyphs: DrawnGlyph[] = [];
  for (const [, object] of context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict) || object.get(PDFName.of('Subtype')) !== PDFName.of('Type0')) continue;
    const fontName = String(object.get(PDFName.of('BaseFont')));
    const toUnicode = context.lookup(object.get(PDFName.of('ToUnicode'))) as PDFRawStream;
    const descendant = context.lookup((context.lookup(object.get(PDFName.of('DescendantFonts'))) as PDFArray).get(0)) as PDFDict;
    const descriptor = context.lookup(descendant.get(PDFName.of('FontDescriptor'))) as PDFDict;
    const program = context.lookup(descriptor.get(PDFName.of('FontFile2'))) as PDFRawStream | undefined;
    if (!program) throw new Error(`${fontName} is not an embedded TrueType font`);
    const font = fontkit.create(decodePDFRawStream(program).decode()) as unknown as {
      getGlyph(id: number): { path: { commands: unknown[] } };
    };
    const cmap = parseToUnicode(new TextDecoder().decode(decodePDFRawStream(toUnicode).decode()));
    for (const [glyphId, text] of cmap) {
      glyphs.push({ font: fontName, glyphId, text, commands: font.getGlyph(glyphId).path.commands.length });
    }
  }
  return glyphs;
}

/** Characters of `expected` that the PDF does not draw with a non-empty glyph (spaces need none). */
export async function missingGlyphs(bytes: Uint8Array, expected: string): Promise<string[]> {
  const drawn = new Set((await drawnGlyphs(bytes)).filter((g) => g.commands > 0).map((g) => g.text));
  return [...new Set(expected)].filter((char) => !/\s/u.test(char) && !drawn.has(char));
}
