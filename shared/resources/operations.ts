/**
 * The operator-facing resources of issue 13, declared once for the CDK constructs (infra/constructs/bulk-import.ts,
 * audit-archive.ts, dashboard.ts) and the local runtime: the import bucket, the Distributed Map's settings, the audit
 * archive. docs/operations.md explains the choices and limits.
 */
export const OPERATIONS = {
  importBucket: {
    logicalName: 'ecert-imports',
    /** imports/<importId>/rows.jsonl (the upload), batches/<firstLine>.json (one per Map batch), report.json, rejected.jsonl */
    prefix: 'imports/',
    /** Uploads carry ID numbers: they go after a week (reports too; the audit trail keeps who imported what). */
    expirationDays: 7,
  },
  distributedMap: {
    /**
     * Rows per child execution. Step Functions caps a batch's input at 256 KiB; a normalised row is ≈ 400–600 bytes
     * (UTF-8 Chinese text), so 400 rows stay well inside it and MaxInputBytesPerBatch is the backstop.
     */
    maxItemsPerBatch: 400,
    maxInputBytesPerBatch: 240 * 1024,
    /** Child executions at once: × 16 writes in flight each (the importer's concurrency) against the table. */
    maxConcurrency: 40,
    /** A batch that still fails after its retries is named in the report; more than this share fails the run. */
    toleratedFailurePercentage: 5,
    /** Writes in flight inside one batch (the same bounded-concurrency importer as the CLI). */
    batchConcurrency: 16,
  },
  auditArchive: {
    logicalName: 'ecert-audit-archive',
    prefix: 'audit/',
  },
} as const;

/** Keys of one import run in the import bucket. */
export const importKeys = {
  root: (importId: string) => `${OPERATIONS.importBucket.prefix}${importId}/`,
  rows: (importId: string) => `${OPERATIONS.importBucket.prefix}${importId}/rows.jsonl`,
  batches: (importId: string) => `${OPERATIONS.importBucket.prefix}${importId}/batches/`,
  batch: (importId: string, firstLine: number) =>
    `${OPERATIONS.importBucket.prefix}${importId}/batches/${String(firstLine).padStart(12, '0')}.json`,
  mapResults: (importId: string) => `${OPERATIONS.importBucket.prefix}${importId}/map-results`,
  report: (importId: string) => `${OPERATIONS.importBucket.prefix}${importId}/report.json`,
  rejected: (importId: string) => `${OPERATIONS.importBucket.prefix}${importId}/rejected.jsonl`,
} as const;
