import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, homedir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import { plainReading } from '../src/pinyin';
import type { RareCharacter } from './rare-chars';

/**
 * The rare-character web font: the fonts the project ships cut down to the characters of the rare-character table and
 * split into WOFF2 slices by reading — HanaMinB (assets/fonts, OFL) for Extensions B–F, Noto Serif SC (npm, OFL) for
 * Extension A and what HanaMinB lacks. Every slice is an `@font-face` of the one family `ecert-rare` whose
 * `unicode-range` lists exactly its characters, so a browser downloads a slice only when a page shows one of them: the
 * helper's candidates for one syllable mostly come from one or two slices, and a page that shows no rare character
 * downloads nothing.
 *
 * fontkit's subsetter writes no `cmap`/`OS/2`/`name` tables (enough for a PDF, not for a browser, whose font sanitizer
 * rejects such a file), so slices are cut by HarfBuzz's hb-subset (`subset-font`, WebAssembly) instead, in worker
 * threads (cut-slices-worker.mjs).
 */
export const FONT_FAMILY = 'ecert-rare';
export const MAX_SLICE_CHARACTERS = 320;
/** Bump when the slicing changes: cached slices are keyed on it. */
const SLICING_VERSION = 2;

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

/** The versions of the cutting tools: a new HarfBuzz or WOFF2 encoder may cut different bytes, so they key the cache. */
function cutterVersions(): string {
  const require = createRequire(import.meta.url);
  const from = { paths: [dirname(require.resolve('subset-font'))] };
  return ['subset-font', 'harfbuzzjs', 'wawoff2']
    .map((name) => {
      // The package folder from its entry point (harfbuzzjs's "exports" do not include package.json).
      let dir = dirname(require.resolve(name, from));
      for (;;) {
        try {
          const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
          if (manifest.name === name) return `${name}@${manifest.version}`;
        } catch {
          // no package.json here
        }
        if (dirname(dir) === dir) throw new Error(`cannot find the version of ${name}`);
        dir = dirname(dir);
      }
    })
    .join(',');
}

/**
 * Where cut slices are kept: one folder per machine user, shared by every clone and surviving `npm ci` and a deleted
 * `.local-data/` — `$ECERT_CACHE_DIR`, else `$XDG_CACHE_HOME/ecert`, else `~/.cache/ecert`.
 */
export function fontSliceCacheDir(): string {
  const base = process.env.ECERT_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ecert');
  return join(base, 'portal-fonts');
}

export interface FontSlices {
  /** The cache folder of this font version: `<file>` of every slice present is in it. */
  dir: string;
  /** Every slice of the plan, cut or not; `bytes` is 0 for one not cut yet. */
  slices: FontSlice[];
  /** How many slices are still to be cut (0 once the cache holds them all). */
  missing: number;
}

/**
 * The WOFF2 slices of the font, from the cache. Cutting and compressing ~15,000 glyphs takes about a minute of CPU
 * (spread over every core), so each slice is cut once per font version — the key covers the font's bytes, the table, the slicing and the
 * cutting tools' versions — and kept in the user's cache (fontSliceCacheDir), where every later build and every other
 * clone finds it. A slice's file name is fixed by that key and its index, so the stylesheet naming the slices can be
 * written before they are cut (`cut: false`: the caller cuts them later, e.g. in the background).
 */
export async function buildFontSlices(options: {
  fontFile: string;
  /** Names the cache folder and the slice files (one name per source font). */
  name?: string;
  characters: readonly RareCharacter[];
  cacheDir?: string;
  /** Cut the missing slices now (default), or only report how many are missing. */
  cut?: boolean;
  log?: (line: string) => void;
}): Promise<FontSlices> {
  const fontBytes = await readFile(options.fontFile);
  const key = sha(
    JSON.stringify({
      font: sha(fontBytes),
      table: sha(options.characters.map((c) => `${c.codePoint}:${c.readings.join(',')}`).join(';')),
      slicing: SLICING_VERSION,
      max: MAX_SLICE_CHARACTERS,
      cutters: cutterVersions(),
    }),
  ).slice(0, 16);
  const name = options.name ?? 'rare';
  const dir = join(options.cacheDir ?? fontSliceCacheDir(), `${name}-${key}`);
  const plan = sliceByReading(options.characters).map((characters, index) => ({
    file: `${name}-${key.slice(0, 10)}-${String(index).padStart(2, '0')}.woff2`,
    characters,
  }));
  const sizeOf = async (file: string) => (await stat(join(dir, file)).catch(() => undefined))?.size ?? 0;
  const sizes = await Promise.all(plan.map((slice) => sizeOf(slice.file)));
  const todo = plan.filter((_, index) => sizes[index] === 0);

  if (todo.length > 0 && options.cut !== false) {
    const started = Date.now();
    options.log?.(
      `portal: cutting ${todo.reduce((n, s) => n + s.characters.length, 0)} rare-character glyphs (${name}) into ${todo.length} WOFF2 slices, ` +
        `once per machine (cached in ${dir})…`,
    );
    await mkdir(dir, { recursive: true });
    const cut = await cutInWorkers(fontBytes, dir, todo.map((slice) => ({ file: slice.file, text: slice.characters.map((c) => c.char).join('') })));
    for (const [file, bytes] of cut) sizes[plan.findIndex((slice) => slice.file === file)] = bytes;
    options.log?.(`portal: font slices ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const slices = plan.map((slice, index) => ({
    file: slice.file,
    characters: slice.characters.length,
    bytes: sizes[index]!,
    codePoints: slice.characters.map((c) => c.codePoint),
  }));
  return { dir, slices, missing: slices.filter((slice) => slice.bytes === 0).length };
}

/**
 * Cuts the slices in worker threads, one per core, each taking the next slice when it finishes one (slices differ in
 * size). Answers the size of each file written.
 */
async function cutInWorkers(font: Uint8Array, dir: string, tasks: { file: string; text: string }[]): Promise<Map<string, number>> {
  const shared = new Uint8Array(new SharedArrayBuffer(font.length));
  shared.set(font);
  const queue = [...tasks];
  const sizes = new Map<string, number>();
  const workers = Array.from({ length: Math.max(1, Math.min(availableParallelism(), tasks.length)) }, () => {
    const worker = new Worker(new URL('./cut-slices-worker.mjs', import.meta.url), { workerData: { font: shared.buffer, dir } });
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: { ready?: true; file?: string; bytes?: number; error?: string }) => {
        if (message.error) {
          queue.length = 0;
          reject(new Error(`cutting ${message.file} failed: ${message.error}`));
          void worker.terminate();
          return;
        }
        if (message.file) sizes.set(message.file, message.bytes!);
        worker.postMessage(queue.shift() ?? null);
      });
      worker.once('error', reject);
      worker.once('exit', () => resolve());
    });
  });
  await Promise.all(workers);
  return sizes;
}

/** The code points among `codePoints` that the font has a glyph for. */
export async function glyphCoverage(fontFile: string, codePoints: readonly number[]): Promise<Set<number>> {
  const font = fontkit.create(await readFile(fontFile)) as unknown as { hasGlyphForCodePoint(cp: number): boolean };
  return new Set(codePoints.filter((cp) => font.hasGlyphForCodePoint(cp)));
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
