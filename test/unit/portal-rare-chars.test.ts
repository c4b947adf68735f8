import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as fontkit from 'fontkit';
import { DEFAULT_VALID_DAYS, MAX_VALID_DAYS, MIN_VALID_DAYS } from '../../shared/domain/annotation';
import { blockOf, EXT_B_ASSIGNED, isExtB, parsePinyinDictionary, parseUnihanReadings, rareCharacterTable } from '../../portal/build/rare-chars';
import { sliceByReading, unicodeRange, MAX_SLICE_CHARACTERS } from '../../portal/build/font-slices';
import { PORTAL_DIST_DIR, readBuildInfo } from '../../portal/build/build';
import { parsePinyinQuery, plainReading } from '../../portal/src/pinyin';
import { indexEntries, parseEntry, search } from '../../portal/src/rare-index';
import * as portalCertificate from '../../portal/src/views/certificate-rules';

describe('pinyin as people type it', () => {
  it('removes tone marks into a tone number and writes ü as v', () => {
    expect(plainReading('jí')).toEqual({ plain: 'ji', tone: 2 });
    expect(plainReading('lǚ')).toEqual({ plain: 'lv', tone: 3 });
    expect(plainReading('ḿ')).toEqual({ plain: 'm', tone: 2 });
    expect(plainReading('de')).toEqual({ plain: 'de', tone: 5 });
  });

  it('reads a query with a tone digit, a tone mark, u: or v, and refuses what is not pinyin', () => {
    expect(parsePinyinQuery(' JI2 ')).toEqual({ plain: 'ji', tone: 2 });
    expect(parsePinyinQuery('jí')).toEqual({ plain: 'ji', tone: 2 });
    expect(parsePinyinQuery('lu:4')).toEqual({ plain: 'lv', tone: 4 });
    expect(parsePinyinQuery('lü')).toEqual({ plain: 'lv' });
    expect(parsePinyinQuery('ji')).toEqual({ plain: 'ji' });
    for (const bad of ['', '张', '123', 'ji9', 'abcdefgh']) expect(parsePinyinQuery(bad), bad).toBeUndefined();
  });
});

describe('the rare-character table (pinyin@4.0.0, Unihan readings)', () => {
  const table = rareCharacterTable();

  it('covers Extension B characters with readings, 𠮷 among them, in code point order', () => {
    expect(table.source).toMatchObject({ name: 'pinyin', version: '4.0.0' });
    const extB = table.characters.filter((c) => isExtB(c.codePoint));
    expect(extB.length).toBeGreaterThan(15_000);
    expect(extB.length).toBeLessThanOrEqual(EXT_B_ASSIGNED);
    expect(table.characters.every((c) => blockOf(c.codePoint) === c.block && [...c.char].length === 1 && c.readings.length > 0)).toBe(true);
    const codePoints = table.characters.map((c) => c.codePoint);
    expect(codePoints).toEqual([...codePoints].sort((a, b) => a - b));
    expect(table.characters.find((c) => c.char === '𠮷')?.readings).toContain('jí');
  });

  it('covers the other extensions where Unihan has a reading: 䶮 (A) and 𫖮 (C); no unified ideograph of the BMP', () => {
    expect(table.unihan).toBe('15.0.0');
    expect(table.characters.find((c) => c.char === '䶮')).toMatchObject({ block: 'A', readings: ['yǎn'] });
    expect(table.characters.find((c) => c.char === '𫖮')).toMatchObject({ block: 'C', readings: ['yǐ'] });
    const count = (block: string) => table.characters.filter((c) => c.block === block).length;
    expect(count('A')).toBeGreaterThan(5_500);
    for (const block of ['C', 'D', 'E']) expect(count(block), block).toBeGreaterThan(0);
    expect(table.characters.some((c) => c.codePoint >= 0x4e00 && c.codePoint <= 0x9fff)).toBe(false);
    expect([...parseUnihanReadings('# comment\nU+4DAE\tyǎn\nU+2B5AE\tyǐ,yí\nnot a line')]).toEqual([
      [0x4dae, ['yǎn']],
      [0x2b5ae, ['yǐ', 'yí']],
    ]);
  });

  it('parses the dictionary lines and refuses a format it does not know', () => {
    const parsed = parsePinyinDictionary('dict[0x20bb7] = "jí";\ndict[0x4e00] = "yī,yí";\nnot a line');
    expect([...parsed]).toEqual([
      [0x20bb7, ['jí']],
      [0x4e00, ['yī', 'yí']],
    ]);
    expect(() => rareCharacterTable({ name: 'pinyin', version: 'x', file: join(import.meta.dirname, 'portal-rare-chars.test.ts') })).toThrow(
      /format changed/,
    );
  });

  it('finds 𠮷 by ji, ji2 and jí, main readings first, and nothing for another tone', () => {
    const index = indexEntries(table.characters.map((c) => parseEntry(`${c.char}${c.readings.join(',')}`)));
    for (const query of ['ji', 'ji2', 'jí']) expect(search(index, query)!.map((e) => e.char), query).toContain('𠮷');
    expect(search(index, 'yan3')!.map((e) => e.char)).toContain('䶮');
    expect(search(index, 'yi3')!.map((e) => e.char)).toContain('𫖮');
    expect(search(index, 'ji4')!.map((e) => e.char)).not.toContain('𠮷');
    expect(search(index, '张')).toBeUndefined();
    const ranked = search(index, 'ji')!;
    const main = (char: string) => plainReading(table.characters.find((c) => c.char === char)!.readings[0]!).plain === 'ji';
    const firstOther = ranked.findIndex((e) => !main(e.char));
    expect(firstOther).toBeGreaterThan(0);
    expect(ranked.slice(firstOther).every((e) => !main(e.char))).toBe(true);
  });
});

describe('font slices', () => {
  it('packs characters by main reading into slices of at most the limit, each character exactly once', () => {
    const table = rareCharacterTable();
    const slices = sliceByReading(table.characters);
    expect(slices.every((slice) => slice.length > 0 && slice.length <= MAX_SLICE_CHARACTERS)).toBe(true);
    expect(slices.flat().map((c) => c.codePoint).sort((a, b) => a - b)).toEqual(table.characters.map((c) => c.codePoint));
  });

  it('writes unicode-range with consecutive code points collapsed', () => {
    expect(unicodeRange([0x20002, 0x20000, 0x20001, 0x20bb7, 0x20005])).toBe('U+20000-20002,U+20005,U+20BB7');
  });

  it('ships WOFF2 slices a browser can use: each has a cmap with exactly its characters’ glyphs', async () => {
    const info = (await readBuildInfo())!;
    expect(info.rareCharacters.characters).toBe(info.font.characters);
    expect(info.font.sources.map((source) => source.characters).reduce((a, b) => a + b)).toBe(info.font.characters);
    // The build the tests run on waited for every slice.
    expect(info.font.pendingSlices).toBe(0);
    const css = Object.keys(info.files).find((f) => /^assets\/rare-fonts-.*\.css$/.test(f))!;
    const faces = [...(await readFile(join(PORTAL_DIST_DIR, css), 'utf8')).matchAll(/url\("\/([^"]+)"\)[^}]*unicode-range:([^}]+)\}/g)];
    expect(faces).toHaveLength(info.font.slices);
    // A few HanaMinB slices and the last one (Noto Serif SC: Extension A).
    for (const [, file, range] of [...faces.slice(0, 3), faces.at(-1)!]) {
      const font = fontkit.create(await readFile(join(PORTAL_DIST_DIR, file!))) as unknown as { hasGlyphForCodePoint(cp: number): boolean };
      const codePoints = range!.split(',').flatMap((part) => {
        const [from, to] = part.replace('U+', '').split('-').map((hex) => parseInt(hex, 16));
        return Array.from({ length: (to ?? from!) - from! + 1 }, (_, i) => from! + i);
      });
      expect(codePoints.every((cp) => font.hasGlyphForCodePoint(cp)), file).toBe(true);
    }
  });
});

it('the portal’s annotation limits are the domain’s (R2)', () => {
  expect(portalCertificate).toMatchObject({ MIN_VALID_DAYS, MAX_VALID_DAYS, DEFAULT_VALID_DAYS });
});
