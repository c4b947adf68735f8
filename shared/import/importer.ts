import { backoff } from '../aws/backoff';
import { isThrottling, isUnreachable } from '../aws/transient';
import { ConfigurationError } from '../config/env';
import { isCertId } from '../domain/certificate';
import { checkCertificateRow, type RowIssue } from '../domain/certificate-record';
import { maskIdNumber } from '../domain/identity';
import type { ChangeStamp } from '../domain/audit';
import type { CertificateRecord } from '../domain/certificate';
import { upsertCertificate, type UpsertOutcome, type UpsertProvenance } from '../repository/certificates';
import { SourceError, type SourceRow } from './sources';

/**
 * The import pipeline, independent of where rows come from: validate each row, upsert the good ones with a bounded
 * number of writes in flight, report the bad ones and keep going. Used by the CLI (rows streamed from a file) and by
 * the local runtime (demo rows in memory, `importRows`).
 *
 * Rows are pulled from the source only when a write slot is free, so a large file never sits in memory. Two rows
 * with the same certId are written in file order (the later one wins), never concurrently.
 */
/**
 * Writes in flight by default. In every run of `npm run bench -- import` the emulator's ceiling for the import's
 * UpdateItem rose by up to a third from 16 to 32 in flight and by at most an eighth from 32 to 64: 32 is where the
 * curve flattens (docs/benchmarks.md). A real table takes far more; `--concurrency` raises it.
 */
export const DEFAULT_CONCURRENCY = 32;

export interface RejectedRow {
  line: number;
  /** The row's certId when it has a usable one: not personal data, and what an operator searches the file for. */
  certId?: string;
  issues: RowIssue[];
}

export interface ImportProgress {
  /** Rows finished so far (written or rejected). */
  processed: number;
  created: number;
  updated: number;
  /** Rows of a run that a later line with the same certId had already replaced (parallel batches only). */
  superseded: number;
  failed: number;
}

export interface ImportSummary {
  /** created + updated + superseded. */
  imported: number;
  created: number;
  updated: number;
  superseded: number;
  failed: number;
  seconds: number;
  /**
   * Why the import stopped early, if it did: the file became unreadable (`source`), the target refused every write
   * (`target`: no table, no credentials, no connection), or it was interrupted. Rows before the stop stay imported.
   */
  aborted?: { kind: 'source' | 'target' | 'interrupted'; message: string };
}

export interface ImportOptions {
  /** The HMAC key for gsi1 (getSecret('idHashKey')). */
  idHashKey: string;
  concurrency?: number;
  /** "Today" for date checks. */
  now?: Date;
  onRejected?: (rejected: RejectedRow) => void;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /**
   * The run this import belongs to and the operator's stamp for it: each row's write carries the stamp with its line
   * (the audit trail records who changed what), and a later line of the run is never overwritten by an earlier one.
   */
  run?: { runId: string; stamp: ChangeStamp };
  /** The write; replaced in unit tests. */
  upsert?: (record: CertificateRecord, idHashKey: string, provenance?: UpsertProvenance) => Promise<UpsertOutcome>;
}

const TARGET_ERROR_NAMES = new Set([
  'ResourceNotFoundException',
  'UnrecognizedClientException',
  'AccessDeniedException',
  'AccessDenied',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
  'ConfigurationError',
]);

export const WRITE_ATTEMPTS = 8;

/** Runs a write, backing off (full jitter, 50 ms doubling to 5 s) while the target throttles. */
export async function withThrottleRetry<T>(write: () => Promise<T>, attempts = WRITE_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isThrottling(error) || attempt >= attempts) throw error;
      await backoff(attempt, 50, 5000);
    }
  }
}

/** An error that every further write would hit too: stop instead of failing 100,000 rows one by one. */
export function isTargetError(error: unknown): boolean {
  if (error instanceof ConfigurationError) return true;
  const e = error as { name?: string; code?: string; cause?: { code?: string }; $metadata?: { httpStatusCode?: number } };
  if (!e || typeof e !== 'object') return false;
  if (e.name && TARGET_ERROR_NAMES.has(e.name)) return true;
  if (isUnreachable(e)) return true;
  return e.$metadata?.httpStatusCode === 403;
}

/** An error as one line, with the row's ID number (and contact) masked should a service ever echo them. */
export function describeError(error: unknown, secret?: string, ...others: Array<string | undefined>): string {
  const e = error as { name?: string; code?: string; message?: string };
  let text = `${e?.name ?? 'Error'}${e?.code && e.code !== e.name ? ` (${e.code})` : ''}: ${e?.message ?? String(error)}`;
  text = text.replace(/\s+/g, ' ').trim();
  if (secret) text = text.split(secret).join(maskIdNumber(secret));
  for (const other of others) if (other) text = text.split(other).join('[redacted]');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

function usableCertId(row: Record<string, unknown> | undefined): string | undefined {
  const value = row?.certId;
  return typeof value === 'string' && isCertId(value.trim()) ? value.trim() : undefined;
}

export async function importRowStream(
  rows: AsyncIterable<SourceRow> | Iterable<SourceRow>,
  options: ImportOptions,
): Promise<ImportSummary> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const limit = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const upsert = options.upsert ?? ((record, key, provenance) => upsertCertificate(record, key, new Date(), provenance));
  const counts = { created: 0, updated: 0, superseded: 0, failed: 0 };
  const run = options.run;
  const provenanceOf = (line: number): UpsertProvenance | undefined =>
    run && { runId: run.runId, line, stamp: { ...run.stamp, id: `${run.stamp.id}.${line}`, runId: run.runId, line } };
  const inFlight = new Set<Promise<void>>();
  const tails = new Map<string, Promise<void>>();
  let slotFreed: (() => void) | undefined;
  let aborted: ImportSummary['aborted'];

  const progress = () =>
    options.onProgress?.({ processed: counts.created + counts.updated + counts.superseded + counts.failed, ...counts });
  const reject = (rejected: RejectedRow) => {
    counts.failed++;
    options.onRejected?.(rejected);
    progress();
  };

  const write = async (line: number, record: Parameters<typeof upsert>[0], after: Promise<void> | undefined) => {
    if (after) await after;
    if (aborted?.kind === 'target') {
      // Not attempted: the target already refused a write. Counted, not reported line by line.
      counts.failed++;
      return;
    }
    try {
      counts[await withThrottleRetry(() => upsert(record, options.idHashKey, provenanceOf(line)))]++;
      progress();
    } catch (error) {
      const text = describeError(error, record.idNumber, record.mobile, record.email);
      if (isTargetError(error)) {
        aborted ??= { kind: 'target', message: text };
        counts.failed++;
        return;
      }
      reject({ line, certId: record.certId, issues: [{ field: '(row)', reason: `写入失败：${text}` }] });
    }
  };

  try {
    for await (const source of rows) {
      if (aborted) break;
      if (options.signal?.aborted) {
        aborted = { kind: 'interrupted', message: 'interrupted' };
        break;
      }
      if ('issues' in source) {
        reject({ line: source.line, issues: source.issues });
        continue;
      }
      const checked = checkCertificateRow(source.row, { now });
      if (!checked.ok) {
        const certId = usableCertId(source.row);
        reject({ line: source.line, ...(certId ? { certId } : {}), issues: checked.issues });
        continue;
      }
      const { certId } = checked.record;
      const task = write(source.line, checked.record, tails.get(certId));
      tails.set(certId, task);
      inFlight.add(task);
      const settled = () => {
        inFlight.delete(task);
        if (tails.get(certId) === task) tails.delete(certId);
        slotFreed?.();
      };
      void task.then(settled, settled);
      // Not Promise.race(inFlight): each race leaves a reaction on every write still in flight, O(limit²) per row.
      while (inFlight.size >= limit) await new Promise<void>((resolve) => (slotFreed = resolve));
      slotFreed = undefined;
    }
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    aborted ??= { kind: 'source', message: error.message };
  } finally {
    await Promise.all(inFlight);
  }
  return {
    imported: counts.created + counts.updated + counts.superseded,
    ...counts,
    seconds: (performance.now() - started) / 1000,
    ...(aborted ? { aborted } : {}),
  };
}

/**
 * In-process import of rows already in memory (the local runtime's demo seeding). Same validation and writes as the
 * CLI; line numbers are 1-based positions in the array. Rejected rows are returned rather than printed.
 */
export async function importRows(
  rows: Iterable<Record<string, unknown>>,
  options: Omit<ImportOptions, 'onRejected'>,
): Promise<ImportSummary & { rejected: RejectedRow[] }> {
  const rejected: RejectedRow[] = [];
  function* numbered(): Generator<SourceRow> {
    let line = 0;
    for (const row of rows) yield { line: ++line, row };
  }
  const summary = await importRowStream(numbered(), { ...options, onRejected: (r) => rejected.push(r) });
  return { ...summary, rejected };
}
