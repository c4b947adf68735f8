import { parsePinyinQuery, plainReading } from './pinyin';

/**
 * The rare-character table as the browser searches it: entries packed by the build as "<char><reading>,<reading>",
 * indexed by toneless syllable. No DOM here (unit-tested in Node).
 */
export interface RareEntry {
  char: string;
  readings: string[];
}

export interface Indexed {
  entry: RareEntry;
  /** Position of the matching reading among the character's readings (0 = its main reading). */
  rank: number;
  tone: number;
}

/** `"𠮷jí,qí"` → the character and its readings. */
export function parseEntry(packed: string): RareEntry {
  const char = String.fromCodePoint(packed.codePointAt(0)!);
  return { char, readings: packed.slice(char.length).split(',').filter(Boolean) };
}

export function indexEntries(entries: readonly RareEntry[]): Map<string, Indexed[]> {
  const index = new Map<string, Indexed[]>();
  for (const entry of entries) {
    entry.readings.forEach((reading, rank) => {
      const { plain, tone } = plainReading(reading);
      const list = index.get(plain) ?? [];
      if (!list.some((item) => item.entry === entry)) list.push({ entry, rank, tone });
      index.set(plain, list);
    });
  }
  return index;
}

/** Characters for a query: main readings first, then the tone asked for, then code point order. */
export function search(index: Map<string, Indexed[]>, query: string): RareEntry[] | undefined {
  const parsed = parsePinyinQuery(query);
  if (!parsed) return undefined;
  const found = (index.get(parsed.plain) ?? []).filter((item) => parsed.tone === undefined || item.tone === parsed.tone);
  return found
    .slice()
    .sort((a, b) => Number(a.rank > 0) - Number(b.rank > 0) || a.entry.char.codePointAt(0)! - b.entry.char.codePointAt(0)!)
    .map((item) => item.entry);
}
