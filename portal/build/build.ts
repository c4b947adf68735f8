import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { PORTAL_ASSET_PREFIX, PORTAL_DIST } from '../../shared/resources/portal';
import { FONT_FILES } from '../../shared/resources/font-files';
import { buildFontSlices, fontFaceCss, glyphCoverage, FONT_FAMILY, type FontSlice } from './font-slices';
import { EXT_B_ASSIGNED, RARE_BLOCKS, rareCharacterTable, type RareBlock, type RareCharacter } from './rare-chars';
import { plainReading } from '../src/pinyin';
import { REPO_ROOT } from '../../shared/repo-root';

/**
 * Builds the holder portal into portal/dist: esbuild bundles the TypeScript and CSS (hashed names under assets/), the
 * rare-character table and the Extension B font slices are generated from their data packages, and index.html names
 * the hashed files. Everything under assets/ is immutable; index.html and 404.html are revalidated on every load.
 *
 * Cheap to call again: esbuild takes well under a second, the font slices come from the user's cache (cut once per
 * machine and font version, font-slices.ts), and when the output would be byte-identical the existing portal/dist is
 * left alone. `cutFonts: false` builds at once with the slices the cache already has (npm start, which cuts the rest in
 * the background): the stylesheet names every slice, the missing ones answer 404 until a full build adds them.
 */
export const PORTAL_SRC = join(REPO_ROOT, 'portal/src');
export const PORTAL_DIST_DIR = join(REPO_ROOT, PORTAL_DIST);

/**
 * The fonts the rare-character glyphs come from, in the order they are looked for: HanaMinB (Extensions B–F) first,
 * then Noto Serif SC (Extension A, and the few C characters HanaMinB lacks). Both are OFL and already shipped for the
 * PDFs.
 */
export const RARE_FONT_FACES = [
  { name: 'hanaminb', file: FONT_FILES.extB },
  { name: 'notoserif', file: FONT_FILES.serif },
] as const;

export interface BuildInfo {
  /** SHA-256 over every output file: equal builds are not rewritten. */
  outputHash: string;
  builtAt: string;
  rareCharacters: {
    source: string;
    /** Unihan version of the readings for Extension A (what the package lacks) and C onwards. */
    unihan: string;
    dictionaryEntries: number;
    extBAssigned: number;
    /** Characters in the helper's table (each with a reading and a glyph in a shipped font), by block. */
    characters: number;
    byBlock: Partial<Record<RareBlock, number>>;
    /** Characters with a reading but no glyph in any shipped font: left out of the table (U+… list). */
    withoutGlyph: string[];
    /** Distinct toneless syllables over all readings. */
    syllables: number;
  };
  font: {
    family: string;
    /** Source fonts, in the order a character's glyph is looked for, with how many characters each gives. */
    sources: { file: string; characters: number }[];
    slices: number;
    characters: number;
    totalBytes: number;
    largestSliceBytes: number;
    stylesheetBytes: number;
    /** Slices not cut yet, so not in this build (0 for a complete one). */
    pendingSlices: number;
  };
  files: Record<string, number>;
}

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const short = (data: string | Uint8Array) => sha(data).slice(0, 10);

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(join(dir, entry.name), relative)));
    else files.push(relative);
  }
  return files.sort();
}

export interface BuildOptions {
  outDir?: string;
  /** Cut the font slices the cache lacks before building (default); false: build without them. */
  cutFonts?: boolean;
  log?: (line: string) => void;
}

export async function buildPortal(options: BuildOptions = {}): Promise<BuildInfo> {
  const outDir = options.outDir ?? PORTAL_DIST_DIR;
  const log = options.log ?? (() => undefined);
  const files = new Map<string, Uint8Array | string>();
  const assets = PORTAL_ASSET_PREFIX;

  // The rare-character table: extension characters with readings, each drawn from the first shipped font that has its
  // glyph (a character no font has would be an empty box in the helper: left out, and named in build-info.json).
  const table = rareCharacterTable();
  const remaining = new Map(table.characters.map((c) => [c.codePoint, c]));
  const faces: { name: string; file: string; characters: RareCharacter[] }[] = [];
  for (const face of RARE_FONT_FACES) {
    const covered = await glyphCoverage(join(REPO_ROOT, face.file), [...remaining.keys()]);
    const characters = [...remaining.values()].filter((c) => covered.has(c.codePoint));
    for (const c of characters) remaining.delete(c.codePoint);
    faces.push({ ...face, characters });
  }
  const characters = table.characters.filter((c) => !remaining.has(c.codePoint));
  const syllables = new Set(characters.flatMap((c) => c.readings.map((r) => plainReading(r).plain)));
  const tableJson = JSON.stringify({
    source: `${table.source.name}@${table.source.version}, Unihan ${table.unihan}`,
    entries: characters.map((c) => `${c.char}${c.readings.join(',')}`),
  });
  const tablePath = `${assets}rare-chars-${short(tableJson)}.json`;
  files.set(tablePath, tableJson);

  // Font slices per source font, each under its content-hashed name; one stylesheet naming them all, hashed too.
  const slices: FontSlice[] = [];
  let pendingSlices = 0;
  for (const face of faces) {
    const fonts = await buildFontSlices({ fontFile: join(REPO_ROOT, face.file), name: face.name, characters: face.characters, cut: options.cutFonts ?? true, log });
    for (const slice of fonts.slices) {
      if (slice.bytes > 0) files.set(`${assets}fonts/${slice.file}`, await readFile(join(fonts.dir, slice.file)));
    }
    slices.push(...fonts.slices);
    pendingSlices += fonts.missing;
  }
  const fontCss = fontFaceCss(slices, (file) => `/${assets}fonts/${file}`);
  const fontCssPath = `${assets}rare-fonts-${short(fontCss)}.css`;
  files.set(fontCssPath, fontCss);

  // The ALTCHA widget's PBKDF2 worker and stylesheet, files of their own (altcha/external bundles neither): the
  // widget chunk names them, so they are built first.
  const altcha = await esbuild({
    entryPoints: { 'altcha-pbkdf2': join(REPO_ROOT, 'node_modules/altcha/dist/workers/pbkdf2.js'), altcha: join(REPO_ROOT, 'node_modules/altcha/dist/external/altcha.css') },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2022', 'chrome109', 'safari15.4', 'firefox115'],
    minify: true,
    legalComments: 'none',
    outdir: '/out',
    entryNames: '[name]-[hash]',
    charset: 'utf8',
    logLevel: 'silent',
  });
  let altchaWorker = '';
  let altchaCss = '';
  for (const output of altcha.outputFiles) {
    const name = output.path.replace(/^\/out\//, '');
    files.set(`${assets}${name}`, output.contents);
    if (name.endsWith('.js')) altchaWorker = `/${assets}${name}`;
    if (name.endsWith('.css')) altchaCss = `/${assets}${name}`;
  }

  // The application: one ES module (the ALTCHA widget a chunk it loads when asked for proof of work) and one stylesheet.
  const bundle = await esbuild({
    entryPoints: { app: join(PORTAL_SRC, 'main.ts'), styles: join(PORTAL_SRC, 'styles.css') },
    bundle: true,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome109', 'safari15.4', 'firefox115'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    outdir: '/out',
    entryNames: '[name]-[hash]',
    charset: 'utf8',
    define: {
      __RARE_CHARS_URL__: JSON.stringify(`/${tablePath}`),
      __RARE_FONT_CSS_URL__: JSON.stringify(`/${fontCssPath}`),
      __ALTCHA_CSS_URL__: JSON.stringify(altchaCss),
      __ALTCHA_WORKER_URL__: JSON.stringify(altchaWorker),
    },
    logLevel: 'silent',
  });
  let appJs = '';
  let appCss = '';
  for (const output of bundle.outputFiles) {
    const name = output.path.replace(/^\/out\//, '');
    files.set(`${assets}${name}`, output.contents);
    if (name.startsWith('app-') && name.endsWith('.js')) appJs = `/${assets}${name}`;
    if (name.startsWith('styles-') && name.endsWith('.css')) appCss = `/${assets}${name}`;
  }
  if (!appJs || !appCss || !altchaWorker || !altchaCss) throw new Error('esbuild produced no app bundle');

  const fill = (template: string) =>
    template.replaceAll('{{APP_JS}}', appJs).replaceAll('{{APP_CSS}}', appCss).replaceAll('{{RARE_FONT_CSS}}', `/${fontCssPath}`);
  files.set('index.html', fill(await readFile(join(PORTAL_SRC, 'index.html'), 'utf8')));
  files.set('404.html', fill(await readFile(join(PORTAL_SRC, '404.html'), 'utf8')));
  files.set('favicon.svg', await readFile(join(PORTAL_SRC, 'favicon.svg')));

  const outputHash = sha(
    [...files.keys()]
      .sort()
      .map((path) => `${path}:${sha(files.get(path)!)}`)
      .join('\n'),
  );
  const info: BuildInfo = {
    outputHash,
    builtAt: new Date().toISOString(),
    rareCharacters: {
      source: `${table.source.name}@${table.source.version}`,
      unihan: table.unihan,
      dictionaryEntries: table.dictionaryEntries,
      extBAssigned: EXT_B_ASSIGNED,
      characters: characters.length,
      byBlock: Object.fromEntries(
        RARE_BLOCKS.map((b) => [b.block, characters.filter((c) => c.block === b.block).length] as const).filter(([, n]) => n > 0),
      ),
      withoutGlyph: [...remaining.keys()].map((cp) => `U+${cp.toString(16).toUpperCase()}`),
      syllables: syllables.size,
    },
    font: {
      family: FONT_FAMILY,
      sources: faces.map((face) => ({ file: face.file, characters: face.characters.length })),
      slices: slices.length,
      characters: slices.reduce((n, s) => n + s.characters, 0),
      totalBytes: slices.reduce((n, s) => n + s.bytes, 0),
      largestSliceBytes: Math.max(...slices.map((s) => s.bytes)),
      stylesheetBytes: Buffer.byteLength(fontCss),
      pendingSlices,
    },
    files: Object.fromEntries(
      [...files].map(([path, data]) => [path, typeof data === 'string' ? Buffer.byteLength(data) : data.length]),
    ),
  };

  const existing = await readBuildInfo(outDir);
  if (existing?.outputHash === outputHash) return existing;

  // Written next to the old output and swapped in, so a server reading portal/dist never sees half a build.
  const staging = `${outDir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  for (const [path, data] of files) {
    await mkdir(join(staging, path, '..'), { recursive: true });
    await writeFile(join(staging, path), data);
  }
  await writeFile(join(staging, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  const old = `${outDir}.old-${process.pid}`;
  // Another build (a parallel test run, npm start) may swap at the same moment: whichever lands last wins, both are
  // complete builds, and neither process fails.
  await rename(outDir, old).catch(ignoreCode('ENOENT'));
  await rename(staging, outDir).catch(ignoreCode('ENOTEMPTY', 'EEXIST'));
  await rm(old, { recursive: true, force: true });
  await rm(staging, { recursive: true, force: true });
  log(`portal: built ${files.size} files into ${outDir.replace(`${REPO_ROOT}/`, '')}`);
  return info;
}

/** A rejection handler that swallows the given error codes and rethrows anything else. */
export const ignoreCode =
  (...codes: string[]) =>
  (error: NodeJS.ErrnoException): void => {
    if (!codes.includes(error.code ?? '')) throw error;
  };

export async function readBuildInfo(outDir = PORTAL_DIST_DIR): Promise<BuildInfo | undefined> {
  try {
    return JSON.parse(await readFile(join(outDir, 'build-info.json'), 'utf8')) as BuildInfo;
  } catch {
    return undefined;
  }
}

export const listBuiltFiles = (outDir = PORTAL_DIST_DIR) => listFiles(outDir);
