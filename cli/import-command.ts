import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getSecret } from '../shared/config/secrets';
import { CERTIFICATE_COLUMNS } from '../shared/domain/certificate-record';
import { ID_TYPES } from '../shared/domain/identity';
import { EXIT, positiveInt, TARGET_HELP, TARGET_OPTIONS, targetOf, UsageError, type Io } from './common';
import { DEFAULT_CONCURRENCY, describeError, importRowStream, type RejectedRow } from '../shared/import/importer';
import { createProgress } from './progress';
import { formatOf, readRows } from '../shared/import/sources';
import { TargetError, useTarget } from '../shared/target/resolve';
import { AUDIT_ACTIONS, newEventId } from '../shared/domain/audit';
import { operatorStamp, recordOperatorAction } from '../shared/services/operator-audit';
import { sha256Of } from './files';
import { importStatus, importViaS3 } from './import-s3';

export const IMPORT_HELP = `Usage: npm run ecert -- import <file> [options]
       npm run ecert -- import <file> --via-s3 [--stack <name>]
       npm run ecert -- import status <executionId> [--stack <name>]

Loads certificate records from a CSV or JSON Lines file, upserting by certId. Bad lines are reported on stderr with
their line number and every reason, and the import goes on; a summary ends the run.

File formats (by extension, or --format):
  .csv               RFC 4180, UTF-8 (a BOM is fine), first line is the header, CRLF or LF
  .jsonl / .ndjson   one JSON object per line
Columns / keys: ${CERTIFICATE_COLUMNS.join(', ')}
  specialty may be empty or left out; dates are YYYY-MM-DD; idType is one of ${ID_TYPES.join(', ')}
  (or its Chinese name, e.g. 居民身份证).

--via-s3 uploads the file (normalised to JSON Lines, streamed) to the stack's import bucket and starts a Step Functions
Distributed Map that imports it in parallel batches with the same rules; 'import status' shows its progress and,
once finished, the report (counts, bad lines with line number and reason). Against the local stack the CLI runs
the Map itself and returns when it is done.

Options:
  --format <csv|jsonl>    override the format the extension implies
  --via-s3                import through the stack's Distributed Map (see above)
  --concurrency <n>       writes in flight (1–64, default ${DEFAULT_CONCURRENCY})
  --progress-every <n>    without a terminal: a progress line every n rows (default 10000)
  --no-progress           no progress bar even on a terminal
${TARGET_HELP}

Exit codes: 0 all rows imported; 1 some rows failed; 2 usage error, unusable file or unreachable target;
130 interrupted (rows written before stay).`;

export function formatRejected(rejected: RejectedRow): string {
  const where = `line ${rejected.line}${rejected.certId ? ` (${rejected.certId})` : ''}`;
  return `${where}: ${rejected.issues.map((issue) => `${issue.field}: ${issue.reason}`).join('; ')}`;
}

export async function importCommand(args: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      format: { type: 'string' },
      concurrency: { type: 'string' },
      'progress-every': { type: 'string' },
      'no-progress': { type: 'boolean' },
      'via-s3': { type: 'boolean' },
    },
  });
  if (values.help) {
    io.out(IMPORT_HELP);
    return EXIT.ok;
  }
  if (positionals[0] === 'status') {
    if (positionals.length !== 2) throw new UsageError('import status takes one execution id', 'import');
    await useTarget(targetOf(values));
    return importStatus(positionals[1]!, io, formatRejected);
  }
  if (positionals.length !== 1) throw new UsageError('import takes exactly one file', 'import');
  const file = resolve(positionals[0]!);
  let format;
  try {
    format = formatOf(file, values.format);
  } catch (error) {
    throw new UsageError((error as Error).message, 'import');
  }
  const concurrency = positiveInt(values.concurrency, '--concurrency', DEFAULT_CONCURRENCY, 64, 'import');
  const every = positiveInt(values['progress-every'], '--progress-every', 10_000, 10_000_000, 'import');
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${positionals[0]} is not a readable file`, 'import');

  const target = await useTarget(targetOf(values));
  if (values['via-s3']) return importViaS3(file, format, info, io, formatRejected);
  let idHashKey: string;
  try {
    idHashKey = await getSecret('idHashKey');
  } catch (error) {
    throw new TargetError(`cannot read the ID hash key of ${target}: ${describeError(error)}`);
  }

  const runId = `import-${newEventId()}`;
  const stamp = await operatorStamp(AUDIT_ACTIONS.certificateImport, { runId });
  const fileDetails = { file: basename(file), bytes: info.size, sha256: await sha256Of(file), format };
  await recordOperatorAction({ action: AUDIT_ACTIONS.importStart, subject: { runId }, runId, details: fileDetails });
  io.err(`importing ${basename(file)} (${format}) into ${target} (run ${runId})`);
  const progress = createProgress({ totalBytes: info.size, stream: io.stderr, every, plain: values['no-progress'] ?? false });
  let summary;
  try {
    summary = await importRowStream(readRows(file, format, { onBytes: progress.bytes }), {
      idHashKey,
      concurrency,
      run: { runId, stamp },
      ...(signal ? { signal } : {}),
      onRejected: (rejected) => progress.log(formatRejected(rejected)),
      onProgress: progress.rows,
    });
  } finally {
    progress.stop();
  }
  io.out(
    `imported ${summary.imported} (created ${summary.created}, updated ${summary.updated}), failed ${summary.failed}, in ${summary.seconds.toFixed(1)} s`,
  );
  await recordOperatorAction({
    action: AUDIT_ACTIONS.importFinish,
    subject: { runId },
    runId,
    details: {
      ...fileDetails,
      imported: summary.imported,
      created: summary.created,
      updated: summary.updated,
      failed: summary.failed,
      ...(summary.aborted ? { stopped: summary.aborted.kind } : {}),
    },
  }).catch((error) => io.err(`could not record the end of the run in the audit trail: ${describeError(error)}`));
  if (summary.aborted) {
    io.err(`import stopped early (${summary.aborted.kind}): ${summary.aborted.message}`);
    return summary.aborted.kind === 'interrupted' ? EXIT.interrupted : EXIT.usage;
  }
  return summary.failed > 0 ? EXIT.failed : EXIT.ok;
}
