import { getSecret } from '../config/secrets';
import { AUDIT_ACTIONS, type ChangeStamp } from '../domain/audit';
import { importRowStream, type RejectedRow } from '../import/importer';
import type { SourceRow } from '../import/sources';
import { appendAuditEvent } from '../repository/audit';
import { getText, listKeys, putJson, s3Uri } from '../repository/import-objects';
import { importKeys, OPERATIONS } from '../resources/operations';

/**
 * An import run on the distributed engine (issue 13 §1, docs/operations.md): the CLI normalises the operator's file
 * into JSON Lines of source rows (`{line, row}` or `{line, issues}`: the same reader as a local import, so line
 * numbers and CSV rules are identical), the Distributed Map hands batches of them to `runImportBatch`, which runs
 * the same importer as the CLI and writes one result object per batch; `summarizeImport` adds them up.
 */
export interface ImportBatchInput {
  importId: string;
  /** The operator's stamp, made by the CLI when it started the run (who, from where). */
  stamp: ChangeStamp;
  /** The Step Functions execution (or `local`), for the trail. */
  executionArn?: string;
}

export interface ImportBatchEvent {
  Items: SourceRow[];
  BatchInput: ImportBatchInput;
}

export interface BatchCounts {
  items: number;
  created: number;
  updated: number;
  superseded: number;
  failed: number;
}

export interface BatchResult extends BatchCounts {
  firstLine: number;
  lastLine: number;
  rejected: RejectedRow[];
}

export class ImportTargetError extends Error {
  override name = 'ImportTargetError';
}

const ZERO: BatchCounts = { items: 0, created: 0, updated: 0, superseded: 0, failed: 0 };

/** One batch. Idempotent: a retried batch writes the same rows (counted as the first time) and the same result object. */
export async function runImportBatch(event: ImportBatchEvent): Promise<BatchCounts & { firstLine: number; lastLine: number }> {
  const { Items: items, BatchInput: input } = event;
  if (items.length === 0) return { ...ZERO, firstLine: 0, lastLine: 0 };
  const rejected: RejectedRow[] = [];
  const stamp: ChangeStamp = input.executionArn ? { ...input.stamp, source: { ...input.stamp.source, via: input.executionArn } } : input.stamp;
  const summary = await importRowStream(items, {
    idHashKey: await getSecret('idHashKey'),
    concurrency: OPERATIONS.distributedMap.batchConcurrency,
    run: { runId: input.importId, stamp },
    onRejected: (row) => rejected.push(row),
  });
  // Every further write would fail too: let Step Functions retry the batch rather than report its rows as bad.
  if (summary.aborted) throw new ImportTargetError(summary.aborted.message);
  const lines = items.map((item) => item.line);
  const result: BatchResult = {
    firstLine: Math.min(...lines),
    lastLine: Math.max(...lines),
    items: items.length,
    created: summary.created,
    updated: summary.updated,
    superseded: summary.superseded,
    failed: summary.failed,
    rejected: rejected.sort((a, b) => a.line - b.line),
  };
  await putJson(importKeys.batch(input.importId, result.firstLine), result);
  const { rejected: _details, ...counts } = result;
  return counts;
}

export interface ImportReport extends BatchCounts {
  importId: string;
  imported: number;
  batches: number;
  /** Rows the manifest announced that no batch result accounts for (batches that failed after their retries). */
  missing: number;
  expectedItems?: number;
  reportUri: string;
  rejectedUri: string;
  finishedAt: string;
}

/** After the Map: the run's totals (report.json) and its bad lines in line order (rejected.jsonl), then the trail. */
export async function summarizeImport(input: { importId: string; stamp: ChangeStamp; executionArn?: string; status?: string }): Promise<ImportReport> {
  const keys = await listKeys(importKeys.batches(input.importId));
  const totals = { ...ZERO };
  const rejectedLines: string[] = [];
  for (let start = 0; start < keys.length; start += 16) {
    const results = await Promise.all(keys.slice(start, start + 16).map(async (key) => JSON.parse((await getText(key)) ?? 'null') as BatchResult | null));
    for (const result of results) {
      if (!result) continue;
      for (const name of Object.keys(totals) as (keyof BatchCounts)[]) totals[name] += result[name];
      for (const row of result.rejected) rejectedLines.push(JSON.stringify(row));
    }
  }
  const manifest = JSON.parse((await getText(`${importKeys.root(input.importId)}manifest.json`)) ?? '{}') as { items?: number };
  await putJson(importKeys.rejected(input.importId), rejectedLines.length ? `${rejectedLines.join('\n')}\n` : '', 'application/x-ndjson');
  const report: ImportReport = {
    importId: input.importId,
    ...totals,
    imported: totals.created + totals.updated + totals.superseded,
    batches: keys.length,
    missing: manifest.items !== undefined ? Math.max(0, manifest.items - totals.items) : 0,
    ...(manifest.items !== undefined ? { expectedItems: manifest.items } : {}),
    reportUri: s3Uri(importKeys.report(input.importId)),
    rejectedUri: s3Uri(importKeys.rejected(input.importId)),
    finishedAt: new Date().toISOString(),
  };
  await putJson(importKeys.report(input.importId), report);
  await appendAuditEvent({
    action: AUDIT_ACTIONS.importFinish,
    actor: input.stamp.actor,
    source: { ...input.stamp.source, ...(input.executionArn ? { via: input.executionArn } : {}) },
    subject: { runId: input.importId },
    runId: input.importId,
    details: {
      items: report.items,
      imported: report.imported,
      created: report.created,
      updated: report.updated,
      superseded: report.superseded,
      failed: report.failed,
      missing: report.missing,
      ...(input.status ? { mapStatus: input.status } : {}),
    },
  });
  return report;
}
