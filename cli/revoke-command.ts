import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { AUDIT_ACTIONS, newEventId } from '../shared/domain/audit';
import { isCertId } from '../shared/domain/certificate';
import { CertificateNotFoundError, checkRevocationReason, REVOCATION_REASON_MAX, revokeCertificate, type Revocation } from '../shared/repository/certificates';
import { operatorStamp, recordOperatorAction } from '../shared/services/operator-audit';
import { describeError, isTargetError } from '../shared/import/importer';
import { parseCsvText, isBadRecord } from '../shared/import/csv';
import { certIdArgument, EXIT, TARGET_HELP, TARGET_OPTIONS, targetOf, UsageError, type Io } from './common';
import { useTarget } from '../shared/target/resolve';

export const REVOKE_HELP = `Usage: npm run ecert -- revoke <certId> --reason <text> [options]
       npm run ecert -- revoke --file <ids.csv> --reason <text> [options]

Revokes certificates (R3): no new annotations, and every existing annotation stops working at once. Revoking is
final: re-importing the certificate does not undo it. Revoking an already revoked certificate changes nothing and
prints the first revocation. Every revocation is in the audit trail (who, when, why, from where).

With --file: one certificate id per line (blank lines skipped), or a CSV file whose header has a certId column (and
optionally a reason column that overrides --reason for its row). One result line per input line on stdout, a
progress bar on stderr.

Options:
  --reason <text>      why (1–${REVOCATION_REASON_MAX} characters, required); kept with the certificate
  --file <path>        revoke every certificate listed in the file
  --concurrency <n>    revocations in flight with --file (1–32, default 8)
  --no-progress        no progress bar
${TARGET_HELP}

Exit codes: 0 revoked (or already revoked); 1 no such certificate (or, with --file, some lines failed);
2 usage error or unreachable target.`;

export interface RevokeLine {
  line: number;
  certId: string;
  reason?: string;
}

/** Lines of a revocation file: bare ids, or CSV with a certId (and optional reason) column. */
export function parseRevocationFile(text: string): { lines: RevokeLine[]; bad: Array<{ line: number; problem: string }> } {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const lines: RevokeLine[] = [];
  const bad: Array<{ line: number; problem: string }> = [];
  const header = firstLine.split(',').map((c) => c.trim());
  if (header.includes('certId')) {
    const records = parseCsvText(body);
    const columns = (records[0] && !isBadRecord(records[0]) ? records[0].fields : header).map((c) => c.trim());
    const idAt = columns.indexOf('certId');
    const reasonAt = columns.indexOf('reason');
    for (const record of records.slice(1)) {
      if (isBadRecord(record)) bad.push({ line: record.line, problem: `CSV格式错误：${record.error}` });
      else lines.push({ line: record.line, certId: (record.fields[idAt] ?? '').trim(), ...(reasonAt >= 0 && record.fields[reasonAt]?.trim() ? { reason: record.fields[reasonAt]! } : {}) });
    }
  } else {
    body.split(/\r?\n/).forEach((raw, i) => {
      const value = raw.trim();
      if (value) lines.push({ line: i + 1, certId: value });
    });
  }
  return { lines, bad };
}

export async function revokeCommand(args: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      reason: { type: 'string' },
      file: { type: 'string' },
      concurrency: { type: 'string' },
      'no-progress': { type: 'boolean' },
    },
  });
  if (values.help) {
    io.out(REVOKE_HELP);
    return EXIT.ok;
  }
  if (values.reason === undefined) throw new UsageError('--reason is required', 'revoke');
  const reason = checkRevocationReason(values.reason);
  if (!reason.ok) throw new UsageError(reason.problem, 'revoke');
  if (values.file !== undefined) {
    if (positionals.length > 0) throw new UsageError('give either a certificate id or --file, not both', 'revoke');
    return revokeFile(values.file, reason.reason, values, io, signal);
  }
  if (positionals.length > 1) throw new UsageError('revoke takes one certificate id', 'revoke');
  const certId = certIdArgument(positionals[0], 'revoke');

  await useTarget(targetOf(values));
  const revocation = await revokeCertificate(certId, reason.reason, new Date(), await operatorStamp(AUDIT_ACTIONS.certificateRevoke, { reason: reason.reason }));
  io.out(describeRevocation(revocation));
  return EXIT.ok;
}

function describeRevocation(revocation: Revocation): string {
  return revocation.alreadyRevoked
    ? `${revocation.certId} was already revoked at ${revocation.revokedAt} (reason: ${revocation.reason}); nothing changed`
    : `revoked ${revocation.certId} at ${revocation.revokedAt}`;
}

async function revokeFile(
  path: string,
  defaultReason: string,
  values: { concurrency?: string; 'no-progress'?: boolean; 'data-dir'?: string; stack?: string; region?: string },
  io: Io,
  signal?: AbortSignal,
): Promise<number> {
  const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw new UsageError('--concurrency must be a whole number from 1 to 32', 'revoke');
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${path} is not a readable file`, 'revoke');
  const bytes = await readFile(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${path} is not valid UTF-8`, 'revoke');
  }
  const { lines, bad } = parseRevocationFile(text);

  await useTarget(targetOf(values));
  const runId = `revoke-${newEventId()}`;
  const started = Date.now();
  const counts = { revoked: 0, already: 0, notFound: 0, invalid: bad.length, failed: 0 };
  const results: string[] = bad.map((b) => `line ${b.line}: ${b.problem}`);
  const bar =
    values['no-progress'] || !io.stderr.isTTY
      ? undefined
      : new cliProgress.SingleBar({ stream: io.stderr, format: 'revoking [{bar}] {value}/{total} | revoked {revoked} already {already} failed {failed}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  bar?.start(lines.length, 0, { revoked: 0, already: 0, failed: 0 });
  io.err(`revoking ${lines.length} certificate(s) from ${basename(path)} (run ${runId})`);

  let next = 0;
  let targetProblem: string | undefined;
  const worker = async () => {
    while (next < lines.length && !targetProblem && !signal?.aborted) {
      const entry = lines[next++]!;
      const where = `line ${entry.line}`;
      const rowReason = entry.reason !== undefined ? checkRevocationReason(entry.reason) : { ok: true as const, reason: defaultReason };
      if (!isCertId(entry.certId)) {
        counts.invalid++;
        results.push(`${where}: not a certificate id (1–40 letters, digits or -)`);
      } else if (!rowReason.ok) {
        counts.invalid++;
        results.push(`${where} (${entry.certId}): ${rowReason.problem}`);
      } else {
        try {
          const stamp = await operatorStamp(AUDIT_ACTIONS.certificateRevoke, { reason: rowReason.reason, runId, line: entry.line });
          const revocation = await revokeCertificate(entry.certId, rowReason.reason, new Date(), stamp);
          counts[revocation.alreadyRevoked ? 'already' : 'revoked']++;
          results.push(`${where}: ${describeRevocation(revocation)}`);
        } catch (error) {
          if (error instanceof CertificateNotFoundError) {
            counts.notFound++;
            results.push(`${where}: certificate ${entry.certId} does not exist`);
          } else if (isTargetError(error)) {
            targetProblem = describeError(error);
          } else {
            counts.failed++;
            results.push(`${where} (${entry.certId}): failed: ${describeError(error)}`);
          }
        }
      }
      bar?.increment(1, { revoked: counts.revoked, already: counts.already, failed: counts.notFound + counts.invalid + counts.failed });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, lines.length)) }, worker));
  } finally {
    bar?.stop();
  }
  // Results in file order, whatever order the revocations finished in.
  const lineOf = (text: string) => Number(/^line (\d+)/.exec(text)?.[1] ?? 0);
  for (const result of results.sort((a, b) => lineOf(a) - lineOf(b))) io.out(result);
  const summary = `revoked ${counts.revoked}, already revoked ${counts.already}, not found ${counts.notFound}, invalid ${counts.invalid}, failed ${counts.failed}, in ${((Date.now() - started) / 1000).toFixed(1)} s`;
  io.out(summary);
  await recordOperatorAction({
    action: AUDIT_ACTIONS.revokeRun,
    subject: { runId },
    reason: defaultReason,
    runId,
    details: {
      file: basename(path),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      lines: lines.length + bad.length,
      revoked: counts.revoked,
      alreadyRevoked: counts.already,
      notFound: counts.notFound,
      invalid: counts.invalid,
      failed: counts.failed,
      ...(targetProblem ? { stopped: 'target refused' } : signal?.aborted ? { stopped: 'interrupted' } : {}),
    },
  }).catch((error) => io.err(`could not record the run in the audit trail: ${describeError(error)}`));
  if (targetProblem) {
    io.err(`revocation stopped early: the target refused the request: ${targetProblem}`);
    return EXIT.usage;
  }
  if (signal?.aborted) return EXIT.interrupted;
  return counts.notFound + counts.invalid + counts.failed > 0 ? EXIT.failed : EXIT.ok;
}
