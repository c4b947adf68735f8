import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvLimitError, CsvParser, parseCsv, parseCsvText, type CsvItem } from '../../shared/import/csv';
import { csvRows, jsonLinesRows, readRows, SourceError, type SourceRow } from '../../shared/import/sources';
import { CERTIFICATE_COLUMNS } from '../../shared/domain/certificate-record';
import { certificateRow, DEFAULT_COLUMNS, toCsv } from '../support/certificate-rows';

const records = (text: string) => parseCsvText(text);

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Feeds the text in the given pieces. */
function parseInPieces(pieces: string[]): CsvItem[] {
  const parser = new CsvParser();
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.end()];
}

describe('CsvParser', () => {
  it('splits plain records on LF and CRLF, with line numbers', () => {
    expect(records('a,b\n1,2\r\n3,4\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
    ]);
  });

  it('reads a last record without a line break', () => {
    expect(records('a,b\r\n1,2')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
  });

  it('treats a lone CR as a line break', () => {
    expect(records('a\r1\r2')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: ['1'] },
      { line: 3, fields: ['2'] },
    ]);
  });

  it('drops a UTF-8 byte order mark at the start only', () => {
    expect(records('\uFEFFcertId,x\n\uFEFFy,z\n')).toEqual([
      { line: 1, fields: ['certId', 'x'] },
      { line: 2, fields: ['\uFEFFy', 'z'] },
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    // Prepare
    const text = 'id,note\r\n1,"a, b"\r\n2,"he said ""hi"""\r\n3,"two\r\nlines\nthree"\r\n4,after\r\n';

    // Act
    const result = records(text);

    // Assess: the multi-line record starts on line 4; the next one is on line 7.
    expect(result).toEqual([
      { line: 1, fields: ['id', 'note'] },
      { line: 2, fields: ['1', 'a, b'] },
      { line: 3, fields: ['2', 'he said "hi"'] },
      { line: 4, fields: ['3', 'two\r\nlines\nthree'] },
      { line: 7, fields: ['4', 'after'] },
    ]);
  });

  it('keeps empty fields, quoted or not, and leading/trailing spaces', () => {
    expect(records('a,,"",  b  ,\n')).toEqual([{ line: 1, fields: ['a', '', '', '  b  ', ''] }]);
  });

  it('skips blank and whitespace-only lines but counts them', () => {
    expect(records('a\n\n\r\n   \n\t\nb\n')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 6, fields: ['b'] },
    ]);
  });

  it('does not skip a line holding one quoted empty field', () => {
    expect(records('a\n""\n')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: [''] },
    ]);
  });

  it('reports a quote inside an unquoted field and goes on with the next record', () => {
    const result = records('a,b\n1,x"y\n2,ok\n');
    expect(result).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, error: expect.stringContaining('quote inside an unquoted field') },
      { line: 3, fields: ['2', 'ok'] },
    ]);
  });

  it('reports text after a closing quote and goes on', () => {
    const result = records('"a"b,c\nd,e\n');
    expect(result).toEqual([
      { line: 1, error: expect.stringContaining('after the closing quote') },
      { line: 2, fields: ['d', 'e'] },
    ]);
  });

  it('reports a quote that is never closed at the line it opened on', () => {
    expect(records('a,b\n1,"never\nclosed,2\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, error: 'a quoted field is never closed' },
    ]);
  });

  it('gives the same records however the text is cut into chunks', () => {
    // Prepare: every awkward spot — BOM, CRLF, quotes, doubled quotes, a CR/LF pair, Ext-B surrogate pairs.
    const text = '\uFEFFh1,h2\r\n"x,""y""\r\nz",𠮷\r\n\r\nplain,"q"\r\nlast,"𠮷"""';
    const whole = records(text);

    // Act / Assess: two pieces at every position, then one character at a time.
    for (let cut = 0; cut <= text.length; cut++) {
      expect(parseInPieces([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toEqual(whole);
    }
    expect(parseInPieces([...text.split('')])).toEqual(whole);
    expect(whole).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['x,"y"\r\nz', '𠮷'] },
      { line: 5, fields: ['plain', 'q'] },
      { line: 6, fields: ['last', '𠮷"'] },
    ]);
  });

  it('stops at a record larger than the limit instead of buffering the rest of the file', () => {
    // Prepare: an unclosed quote followed by a lot of text.
    const parser = new CsvParser(1000);
    parser.push('a,b\n1,"oops\n');

    // Act / Assess
    expect(() => parser.push('x'.repeat(2000))).toThrow(CsvLimitError);
  });

  it('streams 100,000 records without holding them', async () => {
    // Prepare: a generator of chunks, so the file never exists as one string.
    const line = '"ZG-000001","张三",RESIDENT_ID,110105198802140011,ECONOMICS,中级,"金融, 保险",2019-05-20,2019-06-30,人社部\r\n';
    function* chunks() {
      yield 'certId,holderName,idType,idNumber,qualificationCode,level,specialty,approvalDate,issuedAt,issuer\r\n';
      for (let i = 0; i < 1000; i++) yield line.repeat(100);
    }

    // Act
    let count = 0;
    let lastLine = 0;
    const started = performance.now();
    for await (const item of parseCsv(chunks())) {
      count++;
      lastLine = item.line;
    }

    // Assess
    expect(count).toBe(100_001);
    expect(lastLine).toBe(100_001);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('csvRows', () => {
  it('maps records to rows by the header, in any column order, with specialty optional', async () => {
    // Prepare
    const columns = ['issuer', 'certId', 'holderName', 'idType', 'idNumber', 'qualificationCode', 'level', 'approvalDate', 'issuedAt'];
    const text = toCsv([certificateRow({ certId: 'C-1' })], { columns });

    // Act
    const rows = await collect(csvRows([text]));

    // Assess
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ line: 2, row: { certId: 'C-1', issuer: '中华人民共和国人力资源和社会保障部' } });
    expect((rows[0] as { row: object }).row).not.toHaveProperty('specialty');
  });

  it.each([
    ['an unknown column', [...CERTIFICATE_COLUMNS, 'remarks'], /unknown column\(s\) 'remarks'/],
    ['a missing column', CERTIFICATE_COLUMNS.filter((c) => c !== 'issuer'), /missing column\(s\) issuer/],
    ['a duplicate column', [...CERTIFICATE_COLUMNS, 'level'], /duplicate column\(s\) level/],
  ])('refuses a header with %s', async (_what, columns, message) => {
    await expect(collect(csvRows([`${columns.join(',')}\n`]))).rejects.toThrow(message);
  });

  it('refuses an empty file', async () => {
    await expect(collect(csvRows(['\n\n']))).rejects.toThrow(SourceError);
  });

  it('reports a row with too few or too many fields', async () => {
    // Prepare
    const header = DEFAULT_COLUMNS.join(',');
    const text = `${header}\na,b,c\n${'x,'.repeat(10)}x\n`;

    // Act
    const rows = await collect(csvRows([text]));

    // Assess
    expect(rows).toEqual([
      { line: 2, issues: [{ field: '(row)', reason: '该行有3列，表头有10列' }] },
      { line: 3, issues: [{ field: '(row)', reason: '该行有11列，表头有10列' }] },
    ]);
  });
});

describe('jsonLinesRows', () => {
  it('parses one object per line, skipping blank lines, with CRLF', async () => {
    const rows = await collect(jsonLinesRows(['{"certId":"A"}\r\n\r\n  \n{"cert', 'Id":"B"}']));
    expect(rows).toEqual([
      { line: 1, row: { certId: 'A' } },
      { line: 4, row: { certId: 'B' } },
    ]);
  });

  it('reports broken JSON and non-objects without quoting the line', async () => {
    // Prepare
    const secret = '110105198802140011';
    const text = `{"idNumber":"${secret}",\n[1,2]\n"text"\n`;

    // Act
    const rows = await collect(jsonLinesRows([text]));

    // Assess
    expect(rows).toEqual([
      { line: 1, issues: [{ field: '(row)', reason: '不是有效的JSON' }] },
      { line: 2, issues: [{ field: '(row)', reason: '每行应为一个JSON对象' }] },
      { line: 3, issues: [{ field: '(row)', reason: '每行应为一个JSON对象' }] },
    ]);
    expect(JSON.stringify(rows)).not.toContain(secret);
  });
});

describe('readRows (files)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ecert-csv-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a UTF-8 CSV file with a BOM, keeping Ext-B names intact', async () => {
    // Prepare
    const path = join(dir, 'bom.csv');
    await writeFile(path, toCsv([certificateRow({ holderName: '𠮷田' })], { bom: true }));

    // Act
    const rows: SourceRow[] = await collect(readRows(path, 'csv'));

    // Assess
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ line: 2, row: { holderName: '𠮷田' } });
  });

  it('refuses a file that is not UTF-8 (e.g. GBK from an old spreadsheet)', async () => {
    // Prepare: "张三" in GBK is D5 C5 C8 FD.
    const path = join(dir, 'gbk.csv');
    const header = Buffer.from(`${CERTIFICATE_COLUMNS.join(',')}\n`);
    await writeFile(path, Buffer.concat([header, Buffer.from([0xd5, 0xc5, 0xc8, 0xfd, 0x0a])]));

    // Act / Assess
    await expect(collect(readRows(path, 'csv'))).rejects.toThrow(/not valid UTF-8/);
  });
});
