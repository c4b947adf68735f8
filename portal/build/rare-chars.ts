import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The rare-character (生僻字) table of the registration page: every CJK Unified Ideographs Extension B code point that
 * the `pinyin` package (hotoo/pinyin, whose per-character dictionary is generated from mozillazg/pinyin-data, i.e.
 * Unihan kHanyuPinyin/kMandarin/kXHC1983 readings) gives a reading, with all its readings.
 *
 * The package's lookup API reads strings by UTF-16 unit and so cannot look up characters outside the BMP, but its
 * distributed build carries the whole dictionary as `dict[0x20BB7] = "jí";` lines: the table is read from there, and
 * the build refuses to continue if that format changes (too few entries, or a known character missing).
 */
export const EXT_B_FIRST = 0x20000;
export const EXT_B_LAST = 0x2a6df;
/** Code points Unicode assigns in Extension B (U+20000–U+2A6DF; 15.1 filled the last ones). */
export const EXT_B_ASSIGNED = EXT_B_LAST - EXT_B_FIRST + 1;

export const isExtB = (codePoint: number): boolean => codePoint >= EXT_B_FIRST && codePoint <= EXT_B_LAST;

export interface RareCharacter {
  codePoint: number;
  char: string;
  /** Readings with tone marks, the package's order (most common first). */
  readings: string[];
}

export interface RareCharacterSource {
  name: string;
  version: string;
  file: string;
}

const require = createRequire(import.meta.url);

export function pinyinDictionarySource(): RareCharacterSource {
  const manifestPath = require.resolve('pinyin/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; version: string; main: string };
  return { name: manifest.name, version: manifest.version, file: join(dirname(manifestPath), manifest.main) };
}

const ENTRY = /^dict\[0x([0-9a-fA-F]+)\] = "([^"]*)";/gm;

/** Every entry of the package's per-character dictionary: code point → readings. */
export function parsePinyinDictionary(source: string): Map<number, string[]> {
  const entries = new Map<number, string[]>();
  for (const match of source.matchAll(ENTRY)) {
    const readings = match[2]!
      .split(',')
      .map((reading) => reading.trim().normalize('NFC'))
      .filter(Boolean);
    if (readings.length > 0) entries.set(parseInt(match[1]!, 16), readings);
  }
  return entries;
}

/** Characters the build checks are present with these readings: if not, the package format moved under us. */
export const KNOWN_ENTRIES: Record<string, string> = { '𠮷': 'jí', '𠀀': 'hē' };

export interface RareCharacterTable {
  source: RareCharacterSource;
  /** Entries in the package dictionary overall (all blocks). */
  dictionaryEntries: number;
  /** Extension B code points with a reading. */
  characters: RareCharacter[];
}

export function rareCharacterTable(source = pinyinDictionarySource()): RareCharacterTable {
  const dictionary = parsePinyinDictionary(readFileSync(source.file, 'utf8'));
  if (dictionary.size < 20_000) {
    throw new Error(`${source.name}@${source.version}: only ${dictionary.size} dictionary entries found in ${source.file}; the format changed`);
  }
  const characters: RareCharacter[] = [...dictionary]
    .filter(([codePoint]) => isExtB(codePoint))
    .sort(([a], [b]) => a - b)
    .map(([codePoint, readings]) => ({ codePoint, char: String.fromCodePoint(codePoint), readings }));
  for (const [char, reading] of Object.entries(KNOWN_ENTRIES)) {
    const entry = characters.find((c) => c.char === char);
    if (!entry?.readings.includes(reading)) {
      throw new Error(`${source.name}@${source.version}: ${char} should read ${reading}; the dictionary format changed`);
    }
  }
  return { source, dictionaryEntries: dictionary.size, characters };
}
