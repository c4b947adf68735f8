import { parseArgs } from 'node:util';
import { sleep } from '../shared/aws/backoff';
import { latestRedrive, listDeadLetters, redriveDeadLetters, type DeadLetterEntry } from '../shared/services/annotations-dead-letters';
import { useTarget } from '../shared/target/resolve';
import { EXIT, positiveInt, TARGET_HELP, TARGET_OPTIONS, targetOf, UsageError, type Io } from './common';

export const DLQ_HELP = `Usage: npm run ecert -- dlq <list|redrive> [options]

The annotation dead-letter queue. A render message lands there when its receives are used up without an outcome: a
transient failure (S3 or DynamoDB unavailable, throttling, a signing service that did not answer) that outlasted the
retries, or receives that never reached a render (a throttled consumer). Its annotation stays PENDING — the holder
still sees 证书生成中… — and nothing consumes the DLQ: the messages wait there (14 days) until they are redriven.
Deterministic failures (a revoked certificate, a character no font has) never get here: they are FAILED at once.

  list [--json] [--limit <n>]
        what is there (at most n, default 1000), oldest application first: message id, state, certificate and
        annotation ids, since when the holder waits, render attempts and the last failure code. Ids and codes only.
        States: waiting (annotation PENDING: a redrive renders it), done (already READY or FAILED: a duplicate),
        missing (no such annotation), unreadable (not a render message).
  redrive [--wait] [--max-per-second <n>]
        moves every message back to the render queue with SQS StartMessageMoveTask (the local stack's local-aws-sqs
        implements the same call). Rendering is idempotent, so duplicates are harmless. --wait follows the move
        until it ends.

${TARGET_HELP}

Exit codes: 0 done; 1 the redrive failed or was cancelled; 2 usage error or unreachable target.`;

const SUBCOMMANDS = ['list', 'redrive'] as const;

export function formatEntry(entry: DeadLetterEntry): string {
  const what = entry.annotationId ? `${entry.certId}/${entry.annotationId}` : '-';
  const since = entry.appliedAt ?? entry.sentAt ?? '-';
  return `${entry.messageId}  ${entry.state.padEnd(10)}  ${what}  since ${since}  attempts ${entry.renderAttempts}  ${entry.reason}`;
}

export async function dlqCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      json: { type: 'boolean' },
      limit: { type: 'string' },
      wait: { type: 'boolean' },
      'max-per-second': { type: 'string' },
    },
  });
  if (values.help) {
    io.out(DLQ_HELP);
    return EXIT.ok;
  }
  const [sub, ...extra] = positionals;
  if (sub === undefined) throw new UsageError(`a subcommand is required: ${SUBCOMMANDS.join(', ')}`, 'dlq');
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`unknown subcommand '${sub}'; expected one of ${SUBCOMMANDS.join(', ')}`, 'dlq');
  }
  if (extra.length > 0) throw new UsageError(`dlq ${sub} takes no further arguments`, 'dlq');
  const limit = positiveInt(values.limit, '--limit', 1000, 100_000, 'dlq');
  const maxPerSecond =
    values['max-per-second'] === undefined ? undefined : positiveInt(values['max-per-second'], '--max-per-second', 1, 500, 'dlq');
  const target = await useTarget(targetOf(values));

  if (sub === 'list') {
    const report = await listDeadLetters(limit);
    if (values.json) {
      io.out(JSON.stringify(report, null, 2));
      return EXIT.ok;
    }
    io.err(`dead-letter queue of ${target}: ${report.depth.visible} visible, ${report.depth.inFlight} in flight`);
    if (report.redrive) {
      io.err(`last redrive: ${report.redrive.status}, ${report.redrive.moved} moved${report.redrive.startedAt ? `, started ${report.redrive.startedAt}` : ''}`);
    }
    for (const entry of report.entries) io.out(formatEntry(entry));
    const waiting = report.entries.filter((e) => e.state === 'waiting').length;
    io.err(`${report.entries.length} message(s), ${waiting} annotation(s) waiting for a redrive`);
    return EXIT.ok;
  }

  const { taskHandle } = await redriveDeadLetters(maxPerSecond ? { maxPerSecond } : {});
  io.out(`redrive started on ${target} (task ${taskHandle})`);
  if (!values.wait) return EXIT.ok;
  for (;;) {
    const task = await latestRedrive();
    if (task && task.status !== 'RUNNING') {
      io.out(`redrive ${task.status}: ${task.moved} message(s) moved${task.failureReason ? ` (${task.failureReason})` : ''}`);
      return task.status === 'COMPLETED' ? EXIT.ok : EXIT.failed;
    }
    io.err(`redrive running: ${task?.moved ?? 0} of ${task?.toMove ?? '?'} moved`);
    await sleep(1000);
  }
}
