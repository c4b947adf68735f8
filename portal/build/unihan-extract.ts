/**
 * Regenerates assets/unihan/readings.txt, the Mandarin readings the rare-character helper takes from Unihan for the
 * CJK extensions other than B (which the `pinyin` package covers): Extension A and C onwards. The source is Debian's
 * `unicode-data` package (`/usr/share/unicode/Unihan_Readings.txt.bz2`, Unihan 15.0.0 on Debian 12):
 *
 *   apt-get install unicode-data && npx tsx portal/build/unihan-extract.ts
 *
 * Readings per character, most common first and without repeats: kMandarin, then kTGHZ2013, kHanyuPinyin, kXHC1983.
 * The output is committed (the build reads it, it installs nothing), with the Unicode licence beside it.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../shared/repo-root';
import { UNIHAN_READINGS_FILE, isUnihanBlock } from './rare-chars';

const SOURCE = process.argv[2] ?? '/usr/share/unicode/Unihan_Readings.txt.bz2';
const FIELDS = ['kMandarin', 'kTGHZ2013', 'kHanyuPinyin', 'kXHC1983'] as const;

/** `10019.020:tiàn 10020.030:qiū,tiàn` → the readings; kMandarin is a plain space-separated list. */
const readingsOf = (field: string, value: string): string[] =>
  field === 'kMandarin'
    ? value.split(' ')
    : value.split(' ').flatMap((entry) => (entry.includes(':') ? entry.slice(entry.indexOf(':') + 1).split(',') : []));

const text = execFileSync('bzcat', [SOURCE], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
const version = /^# Unicode version: (\S+)/m.exec(text)?.[1] ?? 'unknown';
const byField = new Map<number, Map<string, string[]>>();
for (const line of text.split('\n')) {
  const match = /^U\+([0-9A-F]{4,6})\t(\w+)\t(.+)$/.exec(line);
  if (!match || !(FIELDS as readonly string[]).includes(match[2]!)) continue;
  const codePoint = parseInt(match[1]!, 16);
  if (!isUnihanBlock(codePoint)) continue;
  const fields = byField.get(codePoint) ?? new Map<string, string[]>();
  fields.set(match[2]!, readingsOf(match[2]!, match[3]!));
  byField.set(codePoint, fields);
}
const lines = [...byField]
  .sort(([a], [b]) => a - b)
  .map(([codePoint, fields]) => {
    const readings = [...new Set(FIELDS.flatMap((field) => fields.get(field) ?? []).map((r) => r.normalize('NFC')))];
    return `U+${codePoint.toString(16).toUpperCase()}\t${readings.join(',')}`;
  });
writeFileSync(
  join(REPO_ROOT, UNIHAN_READINGS_FILE),
  `# Unihan ${version} Mandarin readings (${FIELDS.join(', ')}) of CJK Unified Ideographs Extension A and C onwards.\n` +
    `# Extracted from Unihan_Readings.txt by portal/build/unihan-extract.ts (modified: only these fields and blocks).\n` +
    `# © Unicode, Inc.; Unicode License, see LICENSE.txt beside this file.\n` +
    `${lines.join('\n')}\n`,
);
console.log(`${lines.length} characters, Unihan ${version}`);
