/**
 * A streaming RFC 4180 reader: quoted fields with embedded commas, doubled quotes and line breaks; CRLF, LF (and a
 * lone CR) as record ends; a leading UTF-8 BOM is dropped. Text arrives in chunks of any size (a chunk may end inside
 * a quoted field or between CR and LF); records come out as soon as they are complete, so memory stays bounded by one
 * record, not the file.
 *
 * A malformed record (a quote inside an unquoted field, text after a closing quote, a quote never closed) is reported
 * with the physical line it starts on, and reading goes on with the next record. Blank lines are skipped.
 */
export interface CsvRecord {
  /** 1-based physical line the record starts on (a record with quoted line breaks spans several). */
  line: number;
  fields: string[];
}

export interface CsvBadRecord {
  line: number;
  error: string;
}

export type CsvItem = CsvRecord | CsvBadRecord;

/** A record too large to be a certificate row: almost always an unbalanced quote swallowing the rest of the file. */
export class CsvLimitError extends Error {
  override name = 'CsvLimitError';
  constructor(
    readonly line: number,
    limit: number,
  ) {
    super(`the record starting on line ${line} is longer than ${limit} characters (an unclosed quote?)`);
  }
}

export const DEFAULT_MAX_RECORD_CHARS = 64 * 1024;

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const BOM = 0xfeff;

const RECORD_START = 0;
const FIELD_START = 1;
const UNQUOTED = 2;
const QUOTED = 3;
const QUOTE_IN_QUOTED = 4;

export class CsvParser {
  private state = RECORD_START;
  private line = 1;
  private recordLine = 1;
  private prevCR = false;
  private atStart = true;
  private field = '';
  private fields: string[] = [];
  private recordChars = 0;
  private wasQuoted = false;
  private error: string | undefined;

  constructor(private readonly maxRecordChars = DEFAULT_MAX_RECORD_CHARS) {}

  /** Feeds the next piece of text; returns the records it completed. */
  push(chunk: string): CsvItem[] {
    const out: CsvItem[] = [];
    let i = 0;
    if (this.atStart && chunk.length > 0) {
      this.atStart = false;
      if (chunk.charCodeAt(0) === BOM) i = 1;
    }
    let runStart = i;
    for (; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.state === RECORD_START) {
        if (c === LF && this.prevCR) {
          // The LF of a CRLF that ended the previous record.
          this.prevCR = false;
          continue;
        }
        this.recordLine = this.line;
        this.wasQuoted = c === QUOTE;
        this.state = FIELD_START;
      }
      switch (this.state) {
        case FIELD_START:
          if (c === QUOTE) {
            this.state = QUOTED;
            runStart = i + 1;
          } else if (c === COMMA) {
            this.endField('');
          } else if (c === CR || c === LF) {
            this.endField('');
            this.endRecord(out);
          } else {
            this.state = UNQUOTED;
            runStart = i;
          }
          break;
        case UNQUOTED:
          if (c === COMMA) {
            this.endField(chunk.slice(runStart, i));
            this.state = FIELD_START;
          } else if (c === CR || c === LF) {
            this.endField(chunk.slice(runStart, i));
            this.endRecord(out);
          } else if (c === QUOTE) {
            this.error ??= 'a quote inside an unquoted field (quote the whole field and double the quote: "")';
          }
          break;
        case QUOTED:
          if (c === QUOTE) {
            this.field += chunk.slice(runStart, i);
            this.state = QUOTE_IN_QUOTED;
          } else if (c === LF) {
            if (!this.prevCR) this.line++;
          } else if (c === CR) {
            this.line++;
          }
          break;
        case QUOTE_IN_QUOTED:
          if (c === QUOTE) {
            // A doubled quote is one literal quote; the run continues after it.
            this.field += '"';
            this.state = QUOTED;
            runStart = i + 1;
          } else if (c === COMMA) {
            this.endField('');
            this.state = FIELD_START;
          } else if (c === CR || c === LF) {
            this.endField('');
            this.endRecord(out);
          } else {
            this.error ??= 'text after the closing quote of a field';
            this.state = UNQUOTED;
            runStart = i;
          }
          break;
      }
      this.prevCR = c === CR;
    }
    if (this.state === UNQUOTED || this.state === QUOTED) {
      this.field += chunk.slice(runStart);
      if (this.recordChars + this.field.length > this.maxRecordChars) {
        throw new CsvLimitError(this.recordLine, this.maxRecordChars);
      }
    }
    return out;
  }

  /** Ends the input: completes a last record without a line break, reports an unclosed quote. */
  end(): CsvItem[] {
    const out: CsvItem[] = [];
    switch (this.state) {
      case RECORD_START:
        break;
      case QUOTED:
        out.push({ line: this.recordLine, error: 'a quoted field is never closed' });
        break;
      default:
        this.endField('');
        this.endRecord(out);
    }
    this.state = RECORD_START;
    return out;
  }

  /** Appends `tail` to the field being read and closes it. */
  private endField(tail: string) {
    const value = this.field + tail;
    this.recordChars += value.length;
    if (this.recordChars > this.maxRecordChars) throw new CsvLimitError(this.recordLine, this.maxRecordChars);
    this.fields.push(value);
    this.field = '';
  }

  /** Called on the CR or LF that ends a record (or at the end of input). */
  private endRecord(out: CsvItem[]) {
    const fields = this.fields;
    const blank = fields.length === 1 && !this.wasQuoted && fields[0]!.trim() === '';
    if (this.error) out.push({ line: this.recordLine, error: this.error });
    else if (!blank) out.push({ line: this.recordLine, fields });
    this.fields = [];
    this.recordChars = 0;
    this.error = undefined;
    this.wasQuoted = false;
    this.state = RECORD_START;
    this.line++;
  }
}

/** Parses a whole stream of text chunks. */
export async function* parseCsv(
  chunks: AsyncIterable<string> | Iterable<string>,
  maxRecordChars = DEFAULT_MAX_RECORD_CHARS,
): AsyncGenerator<CsvItem> {
  const parser = new CsvParser(maxRecordChars);
  for await (const chunk of chunks) yield* parser.push(chunk);
  yield* parser.end();
}

/** Convenience for small inputs and tests. */
export function parseCsvText(text: string): CsvItem[] {
  const parser = new CsvParser(Number.MAX_SAFE_INTEGER);
  return [...parser.push(text), ...parser.end()];
}

export const isBadRecord = (item: CsvItem): item is CsvBadRecord => 'error' in item;
