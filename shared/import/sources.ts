import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { CERTIFICATE_COLUMNS, OPTIONAL_COLUMNS, type RowIssue } from '../domain/certificate-record';
import { CsvLimitError, DEFAULT_MAX_RECORD_CHARS, isBadRecord, parseCsv } from './csv';

/**
 * Import files → rows, one at a time. A file is read as a stream and decoded as strict UTF-8; every row carries the
 * line it came from so that errors can name it. Problems of the file itself (an unreadable header, bytes that are not
 * UTF-8, a runaway quoted field) end the import with a SourceError; problems of one row travel as issues.
 */
export const FILE_FORMATS = ['csv', 'jsonl'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export type SourceRow = { line: number; row: Record<string, unknown> } | { line: number; issues: RowIssue[] };

export class SourceError extends Error {
  override name = 'SourceError';
}

export function formatOf(path: string, explicit?: string): FileFormat {
  if (explicit !== undefined) {
    const format = explicit.toLowerCase() === 'ndjson' ? 'jsonl' : explicit.toLowerCase();
    if ((FILE_FORMATS as readonly string[]).includes(format)) return format as FileFormat;
    throw new SourceError(`unknown format '${explicit}': use csv or jsonl`);
  }
  switch (extname(path).toLowerCase()) {
    case '.csv':
      return 'csv';
    case '.jsonl':
    case '.ndjson':
      return 'jsonl';
    default:
      throw new SourceError(`cannot tell the format of ${path} from its extension: name it .csv or .jsonl, or pass --format`);
  }
}

/** Decoded text chunks of a file; `onBytes` sees the running byte count (for progress). */
async function* utf8Chunks(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<string> {
  // fatal: a stray Latin-1 or GBK byte must stop the import, not become U+FFFD in someone's name. The BOM is dropped.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new SourceError(
        `the file is not valid UTF-8 (somewhere in bytes ${bytes}–${bytes + chunk.length}); save it as UTF-8 (Excel: "CSV UTF-8")`,
      );
    }
    bytes += chunk.length;
    onBytes?.(bytes);
    if (text) yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch {
    throw new SourceError('the file ends in the middle of a UTF-8 character');
  }
}

export interface ReadOptions {
  onBytes?: (bytes: number) => void;
}

export function readRows(path: string, format: FileFormat, options: ReadOptions = {}): AsyncGenerator<SourceRow> {
  const chunks = utf8Chunks(path, options.onBytes);
  return format === 'csv' ? csvRows(chunks) : jsonLinesRows(chunks);
}

/** Checks a CSV header: known columns, each once, all required ones present. Returns the column names. */
export function checkHeader(fields: string[]): string[] {
  const columns = fields.map((f) => f.trim());
  const known = new Set<string>(CERTIFICATE_COLUMNS);
  const problems: string[] = [];
  const unknown = columns.filter((c) => !known.has(c));
  if (unknown.length) problems.push(`unknown column(s) ${unknown.map((c) => `'${c}'`).join(', ')}`);
  const duplicates = [...new Set(columns.filter((c, i) => columns.indexOf(c) !== i))];
  if (duplicates.length) problems.push(`duplicate column(s) ${duplicates.join(', ')}`);
  const missing = CERTIFICATE_COLUMNS.filter((c) => !columns.includes(c) && !OPTIONAL_COLUMNS.includes(c));
  if (missing.length) problems.push(`missing column(s) ${missing.join(', ')}`);
  if (problems.length) {
    throw new SourceError(`the header (line 1) is not usable: ${problems.join('; ')}. Expected: ${CERTIFICATE_COLUMNS.join(',')}`);
  }
  return columns;
}

export async function* csvRows(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<SourceRow> {
  let header: string[] | undefined;
  const items = parseCsv(chunks, DEFAULT_MAX_RECORD_CHARS);
  for await (const item of rethrowingLimit(items)) {
    if (!header) {
      if (isBadRecord(item)) throw new SourceError(`the header (line ${item.line}) is malformed: ${item.error}`);
      header = checkHeader(item.fields);
      continue;
    }
    if (isBadRecord(item)) {
      yield { line: item.line, issues: [{ field: '(row)', reason: `CSV格式错误：${item.error}` }] };
    } else if (item.fields.length !== header.length) {
      yield {
        line: item.line,
        issues: [{ field: '(row)', reason: `该行有${item.fields.length}列，表头有${header.length}列` }],
      };
    } else {
      const row: Record<string, string> = {};
      header.forEach((column, i) => (row[column] = item.fields[i]!));
      yield { line: item.line, row };
    }
  }
  if (!header) throw new SourceError('the file is empty: a CSV file starts with a header line');
}

async function* rethrowingLimit<T>(items: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (error) {
    if (error instanceof CsvLimitError) throw new SourceError(error.message);
    throw error;
  }
}

export const MAX_JSON_LINE_CHARS = DEFAULT_MAX_RECORD_CHARS;

export async function* jsonLinesRows(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<SourceRow> {
  let buffered = '';
  let line = 0;
  const parseLine = (text: string, lineNo: number): SourceRow | undefined => {
    const trimmed = text.trim();
    if (!trimmed) return undefined;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { line: lineNo, issues: [{ field: '(row)', reason: '每行应为一个JSON对象' }] };
      }
      return { line: lineNo, row: value as Record<string, unknown> };
    } catch {
      // JSON.parse's message quotes the text around the error, which may be an ID number: say only what is wrong.
      return { line: lineNo, issues: [{ field: '(row)', reason: '不是有效的JSON' }] };
    }
  };
  for await (const chunk of chunks) {
    buffered += chunk;
    let start = 0;
    let newline: number;
    while ((newline = buffered.indexOf('\n', start)) !== -1) {
      line++;
      const row = parseLine(buffered.slice(start, newline), line);
      start = newline + 1;
      if (row) yield row;
    }
    buffered = buffered.slice(start);
    if (buffered.length > MAX_JSON_LINE_CHARS) {
      throw new SourceError(`line ${line + 1} is longer than ${MAX_JSON_LINE_CHARS} characters`);
    }
  }
  const last = parseLine(buffered, line + 1);
  if (last) yield last;
}
