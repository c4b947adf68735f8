import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as fontkit from 'fontkit';
import { FONT_FILES, type FaceName } from '../../shared/resources/font-files';
import { NO_SHAPING, withFastPaths } from '../../shared/pdf/fontkit-fast-paths';
import { REPO_ROOT } from '../support/processes';

// Strings of the kinds the certificate draws: Han labels, rare names (Extension A/B), Latin with ligature candidates,
// digits and punctuation, the grouped verification code.
const SAMPLES = [
  '专业技术人员职业资格证书',
  '姓　　名：',
  '林𠮷䶮𫖮',
  "Professional Qualification Certificate of the People's Republic of China",
  'office ffi fl — Valid from 2026-12-01 08:00 to 2027-03-01 (Beijing time, UTC+8; 90 days)',
  '加注有效期：2026年12月01日 08:00 至 2027年03月01日（北京时间，90天）',
  '7K3M-9QXR-T4VB-2HNC-8PDZ',
];

type Font = ReturnType<typeof fontkit.create> & {
  layout(text: string, features: unknown): { glyphs: Array<{ id: number; advanceWidth: number }> };
  createSubset(): { includeGlyph(glyph: unknown): number; encode(): Uint8Array };
};
const open = (face: FaceName) => fontkit.create(new Uint8Array(readFileSync(resolve(REPO_ROOT, FONT_FILES[face])))) as Font;

const glyphs = (font: Font) => SAMPLES.map((text) => font.layout(text, NO_SHAPING).glyphs.map((g) => [g.id, g.advanceWidth]));
// Every glyph the samples use, plus the first few hundred of the font (composite glyphs among them).
const subset = (font: Font) => {
  const s = font.createSubset();
  for (const text of SAMPLES) for (const g of font.layout(text, NO_SHAPING).glyphs) s.includeGlyph(g);
  for (let id = 0; id < 400; id++) s.includeGlyph(id);
  return Buffer.from(s.encode());
};
const FACES = ['serif', 'serifBold', 'extB', 'mono'] as const;
// fontkit's own answers, taken before any fast path is installed (the subsetter's is installed on its class).
const reference = Object.fromEntries(
  FACES.map((face) => {
    const font = open(face);
    return [face, { glyphs: glyphs(font), subset: subset(font), addGlyph: (Object.getPrototypeOf(font.createSubset()) as { _addGlyph: unknown })._addGlyph }];
  }),
);

describe('fontkit fast paths give what fontkit gives', () => {
  for (const face of FACES) {
    it(`${face}: the same glyphs and widths for unshaped text, and byte-identical subsets`, () => {
      const fast = withFastPaths(open(face)) as Font;
      expect((Object.getPrototypeOf(fast.createSubset()) as { _addGlyph: unknown })._addGlyph).not.toBe(reference[face]!.addGlyph);
      expect(glyphs(fast)).toEqual(reference[face]!.glyphs);
      expect(glyphs(fast).flat().some(([id]) => id! > 0)).toBe(true);
      const bytes = subset(fast);
      expect(bytes.length).toBeGreaterThan(1000);
      expect(bytes.equals(reference[face]!.subset)).toBe(true);
    });
  }

  it('other features still go through fontkit shaping', () => {
    const fast = withFastPaths(open('serif')) as Font;
    expect(fast.layout('office', NO_SHAPING).glyphs.length).toBe(6);
    expect(fast.layout('office', { liga: true }).glyphs.length).toBeLessThanOrEqual(6);
  });
});
