import { describe, expect, it } from 'vitest';
import { importRows, importRowStream, type ImportOptions } from '../../shared/import/importer';
import type { SourceRow } from '../../shared/import/sources';
import type { CertificateRecord } from '../../shared/domain/certificate';
import { certificateRow, residentId, withWrongCheckChar } from '../support/certificate-rows';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake write that remembers what it saw and how many writes overlapped. */
function fakeStore(delay: () => number = () => 1) {
  const written: CertificateRecord[] = [];
  const seen = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;
  const upsert: NonNullable<ImportOptions['upsert']> = async (record) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(delay());
    inFlight--;
    written.push(record);
    const outcome = seen.has(record.certId) ? 'updated' : 'created';
    seen.add(record.certId);
    return outcome;
  };
  return { upsert, written, maxInFlight: () => maxInFlight };
}

const numbered = (rows: Array<Record<string, unknown>>): SourceRow[] => rows.map((row, i) => ({ line: i + 2, row }));

describe('importRowStream', () => {
  it('keeps at most `concurrency` writes in flight', async () => {
    // Prepare
    const store = fakeStore(() => 2);
    const rows = numbered(Array.from({ length: 60 }, () => certificateRow()));

    // Act
    const summary = await importRowStream(rows, { idHashKey: 'k', concurrency: 5, upsert: store.upsert });

    // Assess
    expect(summary).toMatchObject({ imported: 60, created: 60, updated: 0, failed: 0 });
    expect(store.maxInFlight()).toBe(5);
  });

  it('pulls rows from the source only as write slots free up', async () => {
    // Prepare: a source that counts what was taken from it; writes never finish until released.
    let pulled = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    function* source(): Generator<SourceRow> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield { line: i + 2, row: certificateRow() };
      }
    }

    // Act
    const running = importRowStream(source(), {
      idHashKey: 'k',
      concurrency: 8,
      upsert: async () => {
        await gate;
        return 'created';
      },
    });
    await sleep(20);
    const pulledWhileBlocked = pulled;
    release();
    const summary = await running;

    // Assess
    expect(pulledWhileBlocked).toBe(8);
    expect(summary.created).toBe(1000);
  });

  it('writes rows with the same certId in file order', async () => {
    // Prepare: the first version is the slowest to write.
    const delays = [30, 1, 1];
    const store = fakeStore(() => delays.shift() ?? 1);
    const rows = numbered(['一级', '二级', '三级'].map((level) => certificateRow({ certId: 'SAME-1', level })));

    // Act
    const summary = await importRowStream(rows, { idHashKey: 'k', upsert: store.upsert });

    // Assess
    expect(store.written.map((r) => r.level)).toEqual(['一级', '二级', '三级']);
    expect(summary).toMatchObject({ created: 1, updated: 2 });
  });

  it('reports bad rows with their line and certId and goes on', async () => {
    // Prepare
    const store = fakeStore();
    const rows: SourceRow[] = [
      { line: 2, row: certificateRow({ certId: 'GOOD-1' }) },
      { line: 3, row: certificateRow({ certId: 'BAD-1', qualificationCode: 'NOPE' }) },
      { line: 4, issues: [{ field: '(row)', reason: '不是有效的JSON' }] },
      { line: 5, row: certificateRow({ certId: 'GOOD-2' }) },
    ];
    const rejected: unknown[] = [];

    // Act
    const summary = await importRowStream(rows, { idHashKey: 'k', upsert: store.upsert, onRejected: (r) => rejected.push(r) });

    // Assess
    expect(summary).toMatchObject({ imported: 2, failed: 2 });
    expect(rejected).toEqual([
      { line: 3, certId: 'BAD-1', issues: [{ field: 'qualificationCode', reason: '资格代码不在资格目录中' }] },
      { line: 4, issues: [{ field: '(row)', reason: '不是有效的JSON' }] },
    ]);
  });

  it('counts a row the database rejects as failed, with the reason and without the ID number', async () => {
    // Prepare
    const idNumber = residentId(42);
    const rows = numbered([certificateRow({ certId: 'DB-1', idNumber })]);
    const rejected: Array<{ issues: Array<{ reason: string }> }> = [];

    // Act
    const summary = await importRowStream(rows, {
      idHashKey: 'k',
      upsert: async () => {
        throw Object.assign(new Error(`Item for ${idNumber} exceeds the size limit`), { name: 'ValidationException' });
      },
      onRejected: (r) => rejected.push(r),
    });

    // Assess
    expect(summary).toMatchObject({ imported: 0, failed: 1 });
    expect(summary.aborted).toBeUndefined();
    expect(rejected[0]!.issues[0]!.reason).toContain('ValidationException');
    expect(JSON.stringify(rejected)).not.toContain(idNumber);
  });

  it('stops early when the target refuses every write (no table, no credentials)', async () => {
    // Prepare
    let pulled = 0;
    function* source(): Generator<SourceRow> {
      for (let i = 0; i < 10_000; i++) {
        pulled++;
        yield { line: i + 2, row: certificateRow() };
      }
    }

    // Act
    const summary = await importRowStream(source(), {
      idHashKey: 'k',
      concurrency: 4,
      upsert: async () => {
        await sleep(1);
        throw Object.assign(new Error('Cannot do operations on a non-existent table'), { name: 'ResourceNotFoundException' });
      },
    });

    // Assess
    expect(summary.aborted).toEqual({ kind: 'target', message: expect.stringContaining('ResourceNotFoundException') });
    expect(pulled).toBeLessThan(20);
  });

  it('stops reading when interrupted, finishing the writes in flight', async () => {
    // Prepare
    const controller = new AbortController();
    const store = fakeStore(() => 2);
    function* source(): Generator<SourceRow> {
      for (let i = 0; i < 1000; i++) {
        if (i === 10) controller.abort();
        yield { line: i + 2, row: certificateRow() };
      }
    }

    // Act
    const summary = await importRowStream(source(), { idHashKey: 'k', upsert: store.upsert, signal: controller.signal });

    // Assess
    expect(summary.aborted?.kind).toBe('interrupted');
    expect(summary.imported).toBe(10);
    expect(store.written).toHaveLength(10);
  });
});

describe('importRows (in-process seeding)', () => {
  it('imports an array and returns the rejected rows by position', async () => {
    // Prepare
    const store = fakeStore();
    const rows = [certificateRow(), certificateRow({ idNumber: withWrongCheckChar(residentId(5)) }), certificateRow()];

    // Act
    const summary = await importRows(rows, { idHashKey: 'k', upsert: store.upsert });

    // Assess
    expect(summary).toMatchObject({ imported: 2, created: 2, failed: 1 });
    expect(summary.rejected).toEqual([
      { line: 2, certId: rows[1]!.certId, issues: [{ field: 'idNumber', reason: '居民身份证号码校验位不正确' }] },
    ]);
  });
});
