import { Readable } from 'node:stream';
import type { SourceRow } from './sources';

/**
 * The upload of a Distributed Map import: one JSON object per line, each a source row exactly as the local importer
 * sees it (`{line, row}` or `{line, issues}`). Parsing stays on the operator's machine, with our own RFC 4180 reader
 * and strict UTF-8, so a bad line is named by its real line number; Step Functions' JSONL item reader then only
 * splits lines. Streamed: the file is never held in memory.
 */
export function normalizedRows(rows: AsyncIterable<SourceRow>, counts: { items: number; lastLine: number }): Readable {
  async function* lines(): AsyncGenerator<string> {
    let buffer = '';
    for await (const row of rows) {
      counts.items++;
      counts.lastLine = row.line;
      buffer += `${JSON.stringify(row)}\n`;
      if (buffer.length >= 256 * 1024) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer) yield buffer;
  }
  return Readable.from(lines());
}

/** The inverse, for the local Map: JSON Lines text chunks → source rows. */
export async function* parseNormalized(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<SourceRow> {
  let rest = '';
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of chunks) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = rest.indexOf('\n')) !== -1) {
      const line = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (line.trim()) yield JSON.parse(line) as SourceRow;
    }
  }
  rest += decoder.decode();
  if (rest.trim()) yield JSON.parse(rest) as SourceRow;
}
