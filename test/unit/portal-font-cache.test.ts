import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fontkit from 'fontkit';
import { buildFontSlices, fontSliceCacheDir } from '../../portal/build/font-slices';
import { rareCharacterTable } from '../../portal/build/rare-chars';
import { FONT_FILES } from '../../shared/resources/font-files';
import { REPO_ROOT } from '../support/processes';

// The Extension B slices are cut once per font version into the user's cache and found there by every later build.
const fontFile = join(REPO_ROOT, FONT_FILES.extB);
const few = rareCharacterTable().characters.filter((c) => ['𠮷', '𠀾', '𡈽'].includes(c.char));

describe('the font slice cache', () => {
  it('lives in the user cache, outside the clone, unless ECERT_CACHE_DIR says where', () => {
    const saved = { ...process.env };
    try {
      delete process.env.ECERT_CACHE_DIR;
      process.env.XDG_CACHE_HOME = '/var/cache/someone';
      expect(fontSliceCacheDir()).toBe('/var/cache/someone/ecert/portal-fonts');
      process.env.ECERT_CACHE_DIR = '/srv/ecert-cache';
      expect(fontSliceCacheDir()).toBe('/srv/ecert-cache/portal-fonts');
    } finally {
      process.env = saved;
    }
  });

  it('names the slices before they are cut, cuts each once, and finds them again', async () => {
    // Prepare
    const cacheDir = await mkdtemp(join(tmpdir(), 'ecert-font-cache-'));
    try {
      const log: string[] = [];
      // Act: a build that does not wait, then one that cuts, then one that finds the cut slices.
      const planned = await buildFontSlices({ fontFile, characters: few, cacheDir, cut: false, log: (l) => log.push(l) });
      const cut = await buildFontSlices({ fontFile, characters: few, cacheDir, log: (l) => log.push(l) });
      const linesAfterCut = log.length;
      const again = await buildFontSlices({ fontFile, characters: few, cacheDir, log: (l) => log.push(l) });
      // Assess
      expect(planned.missing).toBe(1);
      expect(planned.slices.map((s) => s.bytes)).toEqual([0]);
      expect(cut.missing).toBe(0);
      expect(cut.slices.map((s) => s.file)).toEqual(planned.slices.map((s) => s.file));
      expect(cut.slices[0]!.bytes).toBeGreaterThan(500);
      expect(linesAfterCut).toBeGreaterThan(0);
      expect(log.length).toBe(linesAfterCut); // nothing cut the third time
      expect(again).toEqual(cut);
      expect(await readdir(cut.dir)).toEqual([cut.slices[0]!.file]);
      const font = fontkit.create(await readFile(join(cut.dir, cut.slices[0]!.file))) as unknown as { hasGlyphForCodePoint(cp: number): boolean };
      expect(few.every((c) => font.hasGlyphForCodePoint(c.codePoint))).toBe(true);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('keys the cache on what the slices are cut from: another character set is another folder', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'ecert-font-cache-'));
    try {
      const a = await buildFontSlices({ fontFile, characters: few, cacheDir, cut: false });
      const b = await buildFontSlices({ fontFile, characters: few.slice(1), cacheDir, cut: false });
      expect(a.dir).not.toBe(b.dir);
      expect(a.slices[0]!.file).not.toBe(b.slices[0]!.file);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
