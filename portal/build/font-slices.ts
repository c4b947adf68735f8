import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import subsetFont from 'subset-font';
import { plainReading } from '../src/pinyin';
import type { RareCharacter } from './rare-chars';

/**
 * The Extension B web font: HanaMinB (assets/fonts, OFL) cut down to the characters of the rare-character table and
 * split into WOFF2 slices by reading. Every slice is an `@font-face` of the one family `ecert-extb` whose
 * `unicode-range` lists exactly its characters, so a browser downloads a slice only when a page shows one of them: the
 * helper's candidates for one syllable mostly come from one or two slices, and a page that shows no rare character
 * downloads nothing.
 *
 * fontkit's subsetter writes no `cmap`/`OS/2`/`name` tables (enough for a PDF, not for a browser, whose font sanitizer
 * rejects such a file), so slices are cut by HarfBuzz's hb-subset (`subset-font`, WebAssembly) instead.
 */
export const FONT_FAMILY = 'ecert-extb';
export const MAX_SLICE_CHARACTERS = 320;
/** Bump when the slicing changes: cached slices are keyed on it. */
const SLICING_VERSION = 1;

export interface FontSlice {
  file: string;
  characters: number;
  bytes: number;
  codePoints: number[];
}

/** Characters grouped by the toneless first reading, syllables in alphabetical order, packed into slices. */
export function sliceByReading(characters: readonly RareCharacter[], max = MAX_SLICE_CHARACTERS): RareCharacter[][] {
  const bySyllable = new Map<string, RareCharacter[]>();
  for (const character of characters) {
    const syllable = plainReading(character.readings[0]!).plain;
    bySyllable.set(syllable, [...(bySyllable.get(syllable) ?? []), character]);
  }
  const slices: RareCharacter[][] = [];
  let current: RareCharacter[] = [];
  for (const syllable of [...bySyllable.keys()].sort()) {
    const group = bySyllable.get(syllable)!;
    if (current.length > 0 && current.length + group.length > max) {
      slices.push(current);
      current = [];
    }
    for (let i = 0; i < group.length; i += max) {
      const part = group.slice(i, i + max);
      if (current.length + part.length > max) {
        slices.push(current);
        current = [];
      }
      current.push(...part);
    }
  }
  if (current.length > 0) slices.push(current);
  return slices;
}

/** `U+20000-20002,U+20005`: consecutive code points collapsed into ranges. */
export function unicodeRange(codePoints: readonly number[]): string {
  const sorted = [...codePoints].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    const hex = (cp: number) => cp.toString(16).toUpperCase();
    parts.push(j > i ? `U+${hex(sorted[i]!)}-${hex(sorted[j]!)}` : `U+${hex(sorted[i]!)}`);
    i = j + 1;
  }
  return parts.join(',');
}

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Builds (or takes from the cache) the WOFF2 slices. Cutting and compressing ~15,000 glyphs takes about a minute, so
 * the result is kept in `cacheDir` under a key of everything it depends on (font bytes, table, slicing).
 */
export async function buildFontSlices(options: {
  fontFile: string;
  characters: readonly RareCharacter[];
  cacheDir: string;
  log?: (line: string) => void;
}): Promise<{ dir: string; slices: FontSlice[] }> {
  const fontBytes = await readFile(options.fontFile);
  const key = sha(
    JSON.stringify({
      font: sha(fontBytes),
      table: sha(options.characters.map((c) => `${c.codePoint}:${c.readings.join(',')}`).join(';')),
      slicing: SLICING_VERSION,
      max: MAX_SLICE_CHARACTERS,
    }),
  ).slice(0, 16);
  const dir = join(options.cacheDir, `extb-${key}`);
  const manifestFile = join(dir, 'slices.json');
  if (existsSync(manifestFile)) {
    return { dir, slices: JSON.parse(await readFile(manifestFile, 'utf8')) as FontSlice[] };
  }

  const started = Date.now();
  const slicesOfCharacters = sliceByReading(options.characters);
  options.log?.(`portal: cutting ${options.characters.length} Extension B glyphs into ${slicesOfCharacters.length} WOFF2 slices (cached afterwards)…`);
  const work = `${dir}.tmp-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const slices: FontSlice[] = [];
  for (const [index, characters] of slicesOfCharacters.entries()) {
    const woff2 = await subsetFont(fontBytes, characters.map((c) => c.char).join(''), { targetFormat: 'woff2' });
    const file = `extb-${String(index).padStart(2, '0')}-${sha(woff2).slice(0, 10)}.woff2`;
    await writeFile(join(work, file), woff2);
    slices.push({ file, characters: characters.length, bytes: woff2.length, codePoints: characters.map((c) => c.codePoint) });
  }
  await writeFile(join(work, 'slices.json'), JSON.stringify(slices));
  // A parallel build may have finished first: its slices are the same bytes, keep them.
  await rename(work, dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
  });
  await rm(work, { recursive: true, force: true });
  options.log?.(`portal: font slices ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { dir, slices };
}

/** The stylesheet of the slices: one `@font-face` per slice, fetched only for the characters it covers. */
export function fontFaceCss(slices: readonly FontSlice[], urlOf: (file: string) => string): string {
  return slices
    .map(
      (slice) =>
        `@font-face{font-family:"${FONT_FAMILY}";font-style:normal;font-weight:400;font-display:swap;` +
        `src:url("${urlOf(slice.file)}") format("woff2");unicode-range:${unicodeRange(slice.codePoints)}}`,
    )
    .join('\n');
}
