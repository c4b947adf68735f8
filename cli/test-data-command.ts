import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AUDIT_ACTIONS } from '../shared/domain/audit';
import { TEST_ISSUER, TEST_RECORD_KINDS } from '../shared/domain/test-records';
import { describeError, isTargetError } from '../shared/import/importer';
import {
  NotATestRecordError,
  PENDING_SETTLE_MS,
  RenderInProgressError,
  removeTestCertificate,
  type TestRecordRemoval,
} from '../shared/repository/test-records';
import { recordOperatorAction } from '../shared/services/operator-audit';
import { useTarget } from '../shared/target/resolve';
import { certIdArgument, EXIT, TARGET_HELP, TARGET_OPTIONS, targetOf, UsageError, type Io } from './common';

const prefixes = Object.values(TEST_RECORD_KINDS)
  .map((kind) => kind.certIdPrefix)
  .join(', ');

export const TEST_DATA_HELP = `Usage: npm run ecert -- test-data remove <certId>... [--idempotency-key <key>]... [--from <file>] [options]

Removes test records that 'npm run smoke' and 'npm run load' create (they call this themselves when they finish;
run it by hand after a run that was killed). For each certificate: its annotated PDFs, verification codes,
annotations and quota, the holder's account, then the certificate. Only test records are touched: a certId starting
with ${prefixes}, a test passport number, and the issuer "${TEST_ISSUER}" — anything else is refused.
Idempotency records are found only by the key the client sent: name the keys used, or they expire within 24 h.
Each removal is recorded in the audit trail under the certificate (who, from where, what was removed):
'npm run ecert -- audit --cert <certId>' shows it after the records are gone.

Options:
  --idempotency-key <key>  an Idempotency-Key the test holder applied with (repeatable; for every certId named)
  --from <file>      also remove the certificates listed in a file, one per line: a certId, then optionally the
                     idempotency keys used for it, separated by spaces (load runs write one)
  --force            remove even while an annotation is PENDING (normally refused for ${PENDING_SETTLE_MS / 60_000} min after
                     applying: a render in flight would store its PDF after the removal)
${TARGET_HELP}

Exit codes: 0 every certificate removed (or already gone); 1 some were refused or failed; 2 usage error or
unreachable target.`;

const CONCURRENCY = 8;

function describeRemoval(r: TestRecordRemoval): string {
  if (!r.found) return `${r.certId}: not found (already removed)`;
  return (
    `removed ${r.certId}: ${r.annotations} annotation(s), ${r.objects} PDF(s), ${r.verifications} verification code(s)` +
    `${r.holder ? ', the holder account' : ', no holder account'}`
  );
}

function recordRemoval(r: TestRecordRemoval) {
  return recordOperatorAction({
    action: AUDIT_ACTIONS.testDataRemove,
    subject: { certId: r.certId },
    details: { annotations: r.annotations, objects: r.objects, verifications: r.verifications, holderAccount: r.holder, items: r.items },
  });
}

export async function testDataCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      from: { type: 'string' },
      force: { type: 'boolean' },
      'idempotency-key': { type: 'string', multiple: true },
    },
  });
  if (values.help) {
    io.out(TEST_DATA_HELP);
    return EXIT.ok;
  }
  const [action, ...ids] = positionals;
  if (action !== 'remove') throw new UsageError(action === undefined ? 'an action is required: remove' : `unknown action '${action}'`, 'test-data');
  const sharedKeys = values['idempotency-key'] ?? [];
  const requests = new Map<string, string[]>();
  const add = (id: string, idempotencyKeys: string[]) => {
    const certId = certIdArgument(id, 'test-data');
    requests.set(certId, [...new Set([...(requests.get(certId) ?? []), ...idempotencyKeys])]);
  };
  for (const id of ids) add(id, sharedKeys);
  if (values.from) {
    const text = await readFile(values.from, 'utf8').catch(() => {
      throw new UsageError(`${values.from} is not a readable file`, 'test-data');
    });
    for (const line of text.split(/\r?\n/)) {
      const [id, ...idempotencyKeys] = line.trim().split(/\s+/).filter(Boolean);
      if (id) add(id, idempotencyKeys);
    }
  }
  if (requests.size === 0) throw new UsageError('name at least one certificate id (or --from <file>)', 'test-data');

  const target = await useTarget(targetOf(values));
  io.err(`removing ${requests.size} test certificate(s) from ${target}`);
  let failed = 0;
  const queue = [...requests.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [certId, idempotencyKeys] = next;
      try {
        const removal = await removeTestCertificate(certId, { force: values.force ?? false, idempotencyKeys });
        // An operator action like any other (issue 13 §3); a certificate already gone was not touched now.
        if (removal.found) await recordRemoval(removal);
        io.out(describeRemoval(removal));
      } catch (error) {
        // No connection, no table, no credentials: every other removal would fail the same way.
        if (isTargetError(error)) throw error;
        failed++;
        const known = error instanceof NotATestRecordError || error instanceof RenderInProgressError;
        io.err(`${certId}: ${known ? (error as Error).message : `failed: ${describeError(error)}`}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, requests.size) }, worker));
  return failed > 0 ? EXIT.failed : EXIT.ok;
}
