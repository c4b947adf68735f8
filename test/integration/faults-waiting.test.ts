import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import { getSecret } from '../../shared/config/secrets';
import { upsertCertificate } from '../../shared/repository/certificates';
import { reconcile } from '../../shared/services/annotations-reconcile';
import { moduleHandlerLoader } from '../../local/handlers';
import { runCli } from '../support/cli';
import { certificateRecord, residentId } from '../support/factories';
import { readyHolder, type HolderSession } from '../support/holder-client';
import { startTestStack, type TestStack } from '../support/local-stack';
import { expectAllReadyOnceWithExactQuotas, queueDepth, statusesOf, until } from '../support/pipeline-checks';

/**
 * Issue 10's proof that waiting is never failure, on the local stack: the render consumer switched off while
 * annotations queue for longer than any reconciler or DLQ window, and the render consumer throttled under a burst of
 * 200 applications. Neither may fail a valid annotation; both must end with every annotation READY, one object each,
 * and exact quotas. Time beyond what a test can wait is given to the reconciler as its `now`.
 */
const HOUR = 3600_000;

/** One holder with `certificates` e-certificates (same identity), ready to apply. */
async function holderWithCertificates(stack: TestStack, certificates: number) {
  const idNumber = residentId('19900615');
  const name = '等待测试';
  const certIds: string[] = [];
  const key = await getSecret('idHashKey');
  for (let i = 0; i < certificates; i++) {
    const record = certificateRecord({ holderName: name, idNumber });
    await upsertCertificate(record, key);
    certIds.push(record.certId);
  }
  return { holder: await readyHolder(stack, { name, idNumber }), certIds };
}

/** `count` applications spread over the certificates (3 each: the quota), `inFlight` requests at a time. */
async function applyBurst(holder: HolderSession, certIds: string[], count: number, inFlight: number): Promise<number[]> {
  const targets = Array.from({ length: count }, (_, i) => certIds[Math.floor(i / 3)]!);
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < targets.length) {
        const certId = targets[next++]!;
        const response = await holder.post(`/v1/certificates/${certId}/annotations`, { scenario: 'SELF_USE', validDays: 30 });
        statuses.push(response.status);
        await response.body?.cancel();
      }
    }),
  );
  return statuses;
}

/**
 * A batch that outlives the (test-short) visibility timeout is received again by another poller, and after
 * maxReceiveCount its copy moves to the DLQ while the first render completes. Such dead letters must be duplicates of
 * READY annotations — never the only message of a PENDING one.
 */
async function expectOnlyDuplicatesDeadLettered(stack: TestStack): Promise<void> {
  const listed = await runCli(['dlq', 'list', '--json', '--data-dir', stack.dataDir]);
  expect(listed.code, listed.stderr).toBe(0);
  const entries = (JSON.parse(listed.stdout) as { entries: Array<{ state: string }> }).entries;
  expect(entries.filter((e) => e.state !== 'done')).toEqual([]);
}

describe('render consumers off for longer than any reconciler or DLQ window', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      queueOverrides: { visibilityTimeoutSeconds: 2, maxReceiveCount: 2 },
      pollIdleDelayMs: 20,
      // The scheduled reconciler runs every 0.3 s of real time, as ECERT_SCHEDULE_EVERY_S would have it.
      scheduleIntervalMs: { Reconciler: 300 },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('leaves every queued annotation PENDING, sends no duplicates while the backlog covers them, and all end READY', { timeout: 300_000 }, async () => {
    // Prepare: the consumer is off; 30 annotations queue.
    await stack.pollers.RenderConsumer!.pause();
    const { holder, certIds } = await holderWithCertificates(stack, 10);
    const statuses = await applyBurst(holder, certIds, 30, 10);
    expect(statuses).toEqual(statuses.map(() => 202));
    // 30 messages — unless a SendMessage failed after its write under this machine's load, which is the lost-message
    // case the reconciler exists for: then the backlog no longer covers every annotation and it must re-send.
    const queued = await queueDepth(stack.target.queueUrl);
    expect(queued).toBeGreaterThanOrEqual(29);

    // Act: real time passes beyond the DLQ window (2 receives × 2 s; nothing receives), and the reconciler runs on its
    // schedule; then hours and days pass for it (the old rules failed an annotation after 3 re-enqueues, ≈ 15 min).
    await new Promise((r) => setTimeout(r, 5000));
    const runs = [];
    for (const hours of [0.05, 0.25, 1, 3, 12, 48]) runs.push(await reconcile(new Date(Date.now() + hours * HOUR)));

    // Assess: nothing failed; while the queue's backlog could hold every message nothing was sent twice.
    expect(await statusesOf(certIds)).toEqual({ PENDING: 30 });
    if (queued === 30) {
      for (const run of runs) expect(run).toMatchObject({ examined: 30, requeued: 0, deferred: 30, errors: 0, backlog: 30 });
    } else {
      console.log(`[measure] ${30 - queued} SendMessage lost under load; the reconciler's first run re-sent what was due`);
      expect(runs[0]).toMatchObject({ examined: 30, requeued: 30, errors: 0 });
    }
    expect(runs.at(-1)!.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(48 * 3600);
    expect(await queueDepth(stack.target.deadLetterQueueUrl)).toBe(0);

    // Act: the consumer is back.
    stack.pollers.RenderConsumer!.resume();

    // Assess
    await until('all 30 READY', async () => (await statusesOf(certIds)).READY === 30, 120_000, 200);
    await until('render queue drained', async () => (await queueDepth(stack.target.queueUrl)) === 0, 60_000, 200);
    await expectAllReadyOnceWithExactQuotas(stack.target.bucketName, certIds, 3);
    await expectOnlyDuplicatesDeadLettered(stack);
  });
});

describe('render consumer throttled: concurrency 1, a burst of 200 applications', () => {
  let stack: TestStack;
  const throttle = { active: 0, limit: 1, throttled: 0 };
  const loader = moduleHandlerLoader();
  beforeAll(async () => {
    stack = await startTestStack({
      queueOverrides: { visibilityTimeoutSeconds: 1, maxReceiveCount: 3 },
      pollIdleDelayMs: 20,
      // Four pollers receive batches, as an event source mapping without maxConcurrency keeps receiving…
      pollConcurrency: 4,
      scheduleIntervalMs: { Reconciler: 3_600_000 },
      loadHandler: async (fn) => {
        const real = await loader(fn);
        if (fn.id !== 'RenderConsumer') return real;
        // …while only one invocation may run: the others are throttled before the handler starts, and their
        // messages come back after the visibility timeout — receives that are not render attempts.
        return async (event, context) => {
          if (throttle.active >= throttle.limit) {
            throttle.throttled += (event as SQSEvent).Records.length;
            throw Object.assign(new Error('Rate Exceeded.'), { name: 'TooManyRequestsException' });
          }
          throttle.active++;
          try {
            return await real(event, context);
          } finally {
            throttle.active--;
          }
        };
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('fails none: what the throttle dead-lettered is re-sent or redriven, and every annotation ends READY once', { timeout: 600_000 }, async () => {
    // Prepare
    const { holder, certIds } = await holderWithCertificates(stack, 67);

    // Act: the burst (66 certificates × 3 + 2).
    const statuses = await applyBurst(holder, certIds, 200, 25);
    expect(statuses.filter((s) => s === 202)).toHaveLength(200);
    await until('render queue drained', async () => (await queueDepth(stack.target.queueUrl)) === 0, 300_000, 250);

    // Assess: throttling happened and nothing FAILED; what it dead-lettered is PENDING, never rendered.
    expect(throttle.throttled).toBeGreaterThan(0);
    const afterBurst = await statusesOf(certIds);
    expect(afterBurst.FAILED ?? 0).toBe(0);
    const dead = await queueDepth(stack.target.deadLetterQueueUrl);
    console.log(`[measure] throttled burst: ${throttle.throttled} record receives throttled, ${dead} dead letters, ${afterBurst.PENDING ?? 0} PENDING, ${afterBurst.READY ?? 0} READY`);
    expect(afterBurst.PENDING ?? 0).toBeLessThanOrEqual(dead);

    // Act: the reconciler runs as time passes (an annotation with no render attempt is re-sent once the queue is
    // shallower than what is due), still throttled; then the operator redrives the DLQ's leftovers (duplicates).
    for (let round = 0; round < 8 && ((await statusesOf(certIds)).PENDING ?? 0) > 0; round++) {
      await reconcile(new Date(Date.now() + 2 ** round * 5 * 60_000));
      await until('render queue drained', async () => (await queueDepth(stack.target.queueUrl)) === 0, 300_000, 250);
    }
    // The throttle is still on, so a redriven message can be throttled past its receives again and park once more:
    // the operator redrives again while anything waits (bounded).
    for (let round = 0; round < 5 && ((await statusesOf(certIds)).PENDING ?? 0) > 0; round++) {
      const redrive = await runCli(['dlq', 'redrive', '--wait', '--data-dir', stack.dataDir]);
      expect(redrive.code, redrive.stderr).toBe(0);
      await until('render queue drained', async () => (await queueDepth(stack.target.queueUrl)) === 0, 300_000, 250);
    }

    // Assess
    const end = await statusesOf(certIds);
    expect(end).toEqual({ READY: 200 });
    await expectAllReadyOnceWithExactQuotas(stack.target.bucketName, certIds);
    await expectOnlyDuplicatesDeadLettered(stack);
  });
});
