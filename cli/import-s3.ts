import { basename } from 'node:path';
import { DescribeExecutionCommand, DescribeMapRunCommand, ListMapRunsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../shared/aws/clients';
import { ENV, optionalEnv } from '../shared/config/env';
import { AUDIT_ACTIONS, newEventId } from '../shared/domain/audit';
import { normalizedRows } from '../shared/import/normalized';
import { readRows, type FileFormat } from '../shared/import/sources';
import type { RejectedRow } from '../shared/import/importer';
import { getText, putJson, s3Uri, uploadStream } from '../shared/repository/import-objects';
import { importKeys } from '../shared/resources/operations';
import type { ImportReport } from '../shared/services/import-run';
import { operatorStamp, recordOperatorAction } from '../shared/services/operator-audit';
import { TargetError } from '../shared/target/resolve';
import { runLocalDistributedMap } from '../local/distributed-map';
import { EXIT, type Io } from './common';
import { sha256Of } from './files';

/**
 * `import <file> --via-s3`: the file, normalised to JSON Lines of source rows, goes to the stack's import bucket and
 * a Distributed Map execution imports it (docs/operations.md). Against the local stack the CLI plays the Map itself
 * (local/distributed-map.ts) with the same Lambda handlers, and the run is finished when the command returns.
 */
export async function importViaS3(
  file: string,
  format: FileFormat,
  info: { size: number },
  io: Io,
  formatRejected: (rejected: RejectedRow) => string,
): Promise<number> {
  if (!optionalEnv(ENV.importBucketName)) {
    throw new TargetError('the target has no import bucket (output ImportBucketName): deploy the current stack, or restart the local stack');
  }
  const importId = `import-${newEventId()}`;
  const stamp = await operatorStamp(AUDIT_ACTIONS.certificateImport, { runId: importId });
  const counts = { items: 0, lastLine: 0 };
  io.err(`uploading ${basename(file)} (${format}, ${info.size} bytes) as ${s3Uri(importKeys.rows(importId))}`);
  await uploadStream(importKeys.rows(importId), normalizedRows(readRows(file, format), counts), 'application/x-ndjson');
  const details = { file: basename(file), bytes: info.size, sha256: await sha256Of(file), format, items: counts.items };
  await putJson(`${importKeys.root(importId)}manifest.json`, { importId, ...details, lastLine: counts.lastLine });
  await recordOperatorAction({ action: AUDIT_ACTIONS.importStart, subject: { runId: importId }, runId: importId, details: { ...details, via: 's3' } });

  const stateMachineArn = optionalEnv(ENV.importStateMachineArn);
  if (stateMachineArn) {
    const started = await stepFunctions().send(
      new StartExecutionCommand({
        stateMachineArn,
        name: importId,
        input: JSON.stringify({ importId, key: importKeys.rows(importId), stamp }),
      }),
    );
    io.out(`started ${started.executionArn}`);
    io.out(`follow it with: npm run ecert -- import status ${importId}`);
    return EXIT.ok;
  }
  io.err(`running the Distributed Map locally over ${counts.items} row(s)`);
  const report = await runLocalDistributedMap({
    importId,
    key: importKeys.rows(importId),
    stamp,
    onProgress: (done) => io.err(`progress: ${done.items}/${counts.items} rows`),
  });
  return printReport(report, io, formatRejected);
}

async function printReport(report: ImportReport, io: Io, formatRejected: (rejected: RejectedRow) => string, limit = 50): Promise<number> {
  const rejected = ((await getText(importKeys.rejected(report.importId))) ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RejectedRow);
  for (const row of rejected.slice(0, limit)) io.err(formatRejected(row));
  if (rejected.length > limit) io.err(`… ${rejected.length - limit} more bad line(s) in ${report.rejectedUri}`);
  io.out(
    `run ${report.importId}: imported ${report.imported} (created ${report.created}, updated ${report.updated}, superseded ${report.superseded}), failed ${report.failed}` +
      `${report.missing ? `, ${report.missing} row(s) not processed (failed batches: import the file again)` : ''}`,
  );
  io.out(`report: ${report.reportUri}`);
  io.out(`bad lines: ${report.rejectedUri}`);
  return report.failed > 0 || report.missing > 0 ? EXIT.failed : EXIT.ok;
}

function bar(done: number, total: number, width = 30): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.floor(share * 100)}%`;
}

/** `import status <executionId>`: the map run's counts as a progress bar, then (once finished) the report. */
export async function importStatus(id: string, io: Io, formatRejected: (rejected: RejectedRow) => string): Promise<number> {
  const stateMachineArn = optionalEnv(ENV.importStateMachineArn);
  const importId = id.includes(':') ? id.slice(id.lastIndexOf(':') + 1) : id;
  if (!stateMachineArn) {
    // Local runs finish before `import --via-s3` returns: their report is all there is to show.
    const text = await getText(importKeys.report(importId));
    if (!text) {
      io.err(`no finished run ${importId} on the local stack`);
      return EXIT.failed;
    }
    return printReport(JSON.parse(text) as ImportReport, io, formatRejected);
  }
  const executionArn = id.startsWith('arn:') ? id : `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${importId}`;
  const execution = await stepFunctions().send(new DescribeExecutionCommand({ executionArn }));
  const runs = await stepFunctions().send(new ListMapRunsCommand({ executionArn }));
  const mapRunArn = runs.mapRuns?.[0]?.mapRunArn;
  io.out(`execution ${executionArn}: ${execution.status}`);
  if (mapRunArn) {
    const run = await stepFunctions().send(new DescribeMapRunCommand({ mapRunArn }));
    const items: Partial<NonNullable<typeof run.itemCounts>> = run.itemCounts ?? {};
    const finished = (items.succeeded ?? 0) + (items.failed ?? 0) + (items.timedOut ?? 0) + (items.aborted ?? 0);
    io.out(`rows ${bar(finished, items.total ?? 0)} ${finished}/${items.total ?? 0} (running ${items.running ?? 0}, failed ${items.failed ?? 0})`);
    io.out(`batches: ${run.executionCounts?.succeeded ?? 0} succeeded, ${run.executionCounts?.failed ?? 0} failed, ${run.executionCounts?.running ?? 0} running`);
  }
  const report = await getText(importKeys.report(importId));
  if (report) return printReport(JSON.parse(report) as ImportReport, io, formatRejected);
  io.out(`the report will be at ${s3Uri(importKeys.report(importId))}`);
  return execution.status === 'RUNNING' ? EXIT.ok : EXIT.failed;
}
