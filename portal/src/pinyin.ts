/**
 * Pinyin as a person types it, for the rare-character helper: tone marks removed, ü written v (the key every pinyin
 * input method uses), and the tone number (1–4, 5 for the neutral tone). Used in the browser (search) and by the
 * build (grouping the font slices), so both agree on what a syllable is.
 */
const TONES: Record<string, number> = { '\u0304': 1, '\u0301': 2, '\u030C': 3, '\u0300': 4 };

export function plainReading(reading: string): { plain: string; tone: number } {
  let plain = '';
  let tone = 5;
  for (const char of reading.normalize('NFD').toLowerCase()) {
    const mark = TONES[char];
    if (mark !== undefined) tone = mark;
    else if (char === '\u0308') plain = `${plain.slice(0, -1)}v`;
    else plain += char;
  }
  return { plain, tone };
}

/**
 * A typed query: letters (ü, u: or v for ü), optionally a tone mark or a trailing tone digit — `ji`, `ji2`, `jí`, `lv4`,
 * `lü`. Returns undefined when it is not pinyin.
 */
export function parsePinyinQuery(query: string): { plain: string; tone?: number } | undefined {
  const compact = query.trim().toLowerCase().replace(/u:/g, 'v').replace(/\s+/g, '');
  const digit = /^(.*?)([1-5])$/.exec(compact);
  const { plain, tone } = plainReading(digit ? digit[1]! : compact);
  if (!/^[a-z]{1,6}$/.test(plain)) return undefined;
  if (digit) return { plain, tone: Number(digit[2]) };
  return tone === 5 ? { plain } : { plain, tone };
}
