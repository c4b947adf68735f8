declare module 'fontkit' {
  import type { PDFFont } from '@cantoo/pdf-lib';
  type Font = PDFFont['embedder'] extends { font: infer F } ? F : never;
  export interface FontkitFont extends Font {
    postscriptName: string;
    numGlyphs: number;
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): FontkitFont;
}
