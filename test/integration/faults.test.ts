import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { s3, sqs } from '../../shared/aws/clients';
import { getSecret } from '../../shared/config/secrets';
import { liveSlots } from '../../shared/domain/annotation';
import { BUCKET } from '../../shared/resources/bucket';
import { upsertCertificate } from '../../shared/repository/certificates';
import { getAnnotation, getQuota, listAnnotations, markAnnotationReady } from '../../shared/repository/annotations';
import { reconcile } from '../../shared/services/annotations-reconcile';
import { moduleHandlerLoader } from '../../local/handlers';
import { runCli } from '../support/cli';
import { startTestStack, type TestStack } from '../support/local-stack';
import { certificateRecord } from '../support/factories';
import { readyHolder, type HolderSession } from '../support/holder-client';
import { annotationsOf, expectAllReadyOnceWithExactQuotas, queueDepth, statusesOf, until } from '../support/pipeline-checks';

/**
 * Fault injection on the local stack. Faults are switched on and off from the test through the very clients and
 * handler modules the runtime uses (one process), then the system is left to its retries, the DLQ, the reconciler and
 * the operator's `dlq redrive`. Waiting is never failure (non-negotiable 5): only a render actually tried that failed
 * for a deterministic reason makes an annotation FAILED, and no test here has one. The invariant checked at the end:
 * every annotation READY, exactly one object each, and each certificate's quota counts exactly its annotations.
 */
const faults = {
  /** Render consumer throws on records whose body contains one of these certIds, this many more times each. */
  throwFor: new Map<string, number>(),
  /** The render's S3 PutObject fails this many more times. */
  putFailures: 0,
  /** S3 is down for the render: every PutObject of an annotation's PDF fails until this is switched off. */
  s3Outage: false,
  /** SQS SendMessage from the API fails this many more times (the "process died after the write" case). */
  sendFailures: 0,
};

const loader = moduleHandlerLoader();
let stack: TestStack;
const certIds: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({
    // 3 receives, 3 s apart: a message that keeps failing reaches the DLQ within seconds, and a batch slowed by a
    // loaded machine is not delivered again while it still runs.
    queueOverrides: { visibilityTimeoutSeconds: 3, maxReceiveCount: 3 },
    pollIdleDelayMs: 20,
    loadHandler: async (fn) => {
      const real = await loader(fn);
      if (fn.id !== 'RenderConsumer') return real;
      // Mid-batch failure: throw while handling a chosen record, after others in the batch may have succeeded.
      return async (event, context) => {
        for (const record of (event as SQSEvent).Records) {
          for (const [certId, left] of faults.throwFor) {
            if (left > 0 && record.body.includes(certId)) {
              faults.throwFor.set(certId, left - 1);
              return { batchItemFailures: [{ itemIdentifier: record.messageId }, ...(await partial(real, event, context, record.messageId))] };
            }
          }
        }
        return real(event, context);
      };
    },
  });
  s3().middlewareStack.add(
    (next, context) => async (args) => {
      // Only the render's uploads: the audit trail's archive writes go through the same client (the stream consumer
      // runs in this process too) and would otherwise take the failures meant for the render, at their own pace.
      const key = (args.input as { Key?: string }).Key ?? '';
      const renderUpload = context.commandName === 'PutObjectCommand' && key.startsWith(BUCKET.prefixes.annotations);
      if (renderUpload && (faults.s3Outage || faults.putFailures > 0)) {
        if (!faults.s3Outage) faults.putFailures--;
        throw Object.assign(new Error('injected: S3 unavailable'), { name: 'ServiceUnavailable', $retryable: undefined });
      }
      return next(args);
    },
    { step: 'initialize', name: 'faultInjectionS3' },
  );
  sqs().middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SendMessageCommand' && faults.sendFailures > 0) {
        faults.sendFailures--;
        throw Object.assign(new Error('injected: process died before SendMessage'), { name: 'InjectedCrash' });
      }
      return next(args);
    },
    { step: 'initialize', name: 'faultInjectionSqs' },
  );
});

afterAll(async () => {
  await stack?.stop();
});

/** Runs the real handler on the rest of the batch and returns its failures, so one bad record fails alone. */
async function partial(
  real: (event: unknown, context: never) => Promise<unknown>,
  event: unknown,
  context: unknown,
  skip: string,
): Promise<Array<{ itemIdentifier: string }>> {
  const rest = (event as SQSEvent).Records.filter((r) => r.messageId !== skip);
  if (rest.length === 0) return [];
  const out = (await real({ Records: rest }, context as never)) as { batchItemFailures?: Array<{ itemIdentifier: string }> };
  return out?.batchItemFailures ?? [];
}

async function holderWithCertificate(name: string): Promise<{ certId: string; holder: HolderSession }> {
  const record = certificateRecord({ holderName: name });
  await upsertCertificate(record, await getSecret('idHashKey'));
  certIds.push(record.certId);
  return { certId: record.certId, holder: await readyHolder(stack, { name, idNumber: record.idNumber }) };
}

const apply = async (holder: HolderSession, certId: string) => {
  const response = await holder.post(`/v1/certificates/${certId}/annotations`, { scenario: 'SELF_USE', validDays: 10 });
  expect(response.status).toBe(202);
  return ((await response.json()) as { annotationId: string }).annotationId;
};

async function settle(certId: string, timeoutMs = 120_000) {
  const started = Date.now();
  for (;;) {
    const items = await listAnnotations(certId);
    if (items.every((a) => a.status !== 'PENDING')) return items;
    if (Date.now() - started > timeoutMs) return items;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const renderQueueDrained = () => until('render queue drained', async () => (await queueDepth(stack.target.queueUrl)) === 0, 180_000, 50);
const deadLetters = () => queueDepth(stack.target.deadLetterQueueUrl);

describe('fault injection', { timeout: 240_000 }, () => {
  it('recovers from a consumer that throws mid-batch', async () => {
    const { certId, holder } = await holderWithCertificate('故障甲');
    const others = await Promise.all([holderWithCertificate('故障乙'), holderWithCertificate('故障丙')]);
    faults.throwFor.set(certId, 2);
    const ids = await Promise.all([apply(holder, certId), ...others.map((o) => apply(o.holder, o.certId))]);
    const settled = await settle(certId);
    expect(settled.map((a) => a.status)).toEqual(['READY']);
    for (const o of others) expect((await settle(o.certId)).map((a) => a.status)).toEqual(['READY']);
    expect(ids).toHaveLength(3);
    expect(faults.throwFor.get(certId)).toBe(0);
  });

  it('retries through failing S3 writes, recording each failed attempt, and ends READY', async () => {
    const { certId, holder } = await holderWithCertificate('故障丁');
    faults.putFailures = 2;
    const annotationId = await apply(holder, certId);
    expect((await settle(certId)).map((a) => a.status)).toEqual(['READY']);
    expect(faults.putFailures).toBe(0);
    expect(await getAnnotation(certId, annotationId, { consistent: true })).toMatchObject({
      renderAttempts: 3,
      lastFailure: 'ServiceUnavailable',
    });
  });

  it('a message lost between the write and SendMessage is re-sent by the reconciler', async () => {
    const { certId, holder } = await holderWithCertificate('故障戊');
    faults.sendFailures = 1;
    const annotationId = await apply(holder, certId);
    await renderQueueDrained();
    expect((await getAnnotation(certId, annotationId, { consistent: true }))?.status).toBe('PENDING');
    // Time passes beyond the reconciler's staleness threshold.
    const summary = await reconcile(new Date(Date.now() + 3 * 60_000));
    expect(summary.requeued).toBeGreaterThanOrEqual(1);
    expect((await settle(certId)).map((a) => a.status)).toEqual(['READY']);
  });

  it('a message delivered twice, even concurrently, renders once', async () => {
    const { certId, holder } = await holderWithCertificate('故障己');
    const annotationId = await apply(holder, certId);
    const body = JSON.stringify({ certId, annotationId });
    await Promise.all([1, 2, 3].map(() => sqs().send(new SendMessageCommand({ QueueUrl: stack.target.queueUrl, MessageBody: body }))));
    await renderQueueDrained();
    expect((await settle(certId)).map((a) => a.status)).toEqual(['READY']);
  });

  it('a lost condition race leaves the first result in place', async () => {
    const { certId, holder } = await holderWithCertificate('故障庚');
    faults.throwFor.set(certId, 1_000); // keep the consumer away from this one
    const annotationId = await apply(holder, certId);
    const annotation = (await getAnnotation(certId, annotationId, { consistent: true }))!;
    const doc = (sha: string) => ({ objectKey: `annotations/${certId}/${annotationId}.pdf`, documentSha256: sha, documentSize: 1, renderedAt: new Date().toISOString() });
    const results = await Promise.all([markAnnotationReady(annotation, doc('a'.repeat(64))), markAnnotationReady(annotation, doc('b'.repeat(64)))]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = (await getAnnotation(certId, annotationId, { consistent: true }))!;
    expect(['a'.repeat(64), 'b'.repeat(64)]).toContain(winner.documentSha256);
    faults.throwFor.delete(certId);
    // The stale message, redelivered (or redriven from the DLQ below), finds it READY and does nothing.
    await renderQueueDrained();
    expect((await getAnnotation(certId, annotationId, { consistent: true }))!.documentSha256).toBe(winner.documentSha256);
    certIds.splice(certIds.indexOf(certId), 1); // its "object" was never written: excluded from the object check
  });

  it('an S3 outage during rendering parks the messages in the DLQ with the annotations PENDING; a redrive makes all READY', async () => {
    // Prepare: six annotations on two certificates, and S3 goes down.
    const a = await holderWithCertificate('故障辛');
    const b = await holderWithCertificate('故障壬');
    const before = await deadLetters();
    faults.s3Outage = true;

    // Act: apply; every render fails transiently until the receives are used up.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await apply(a.holder, a.certId), await apply(b.holder, b.certId));
    await until('six dead letters', async () => (await deadLetters()) >= before + 6, 180_000);
    await renderQueueDrained();

    // Assess: waiting, not failed — PENDING (证书生成中…), slots kept, the failure recorded on each annotation.
    const parked = await annotationsOf([a.certId, b.certId]);
    expect(parked.map((x) => x.status)).toEqual(parked.map(() => 'PENDING'));
    for (const x of parked) expect(x).toMatchObject({ lastFailure: 'ServiceUnavailable', renderAttempts: 3 });
    expect((await getQuota(a.certId)).slots).not.toEqual({});
    const shown = await a.holder.get(`/v1/certificates/${a.certId}/annotations/${ids[0]}`);
    expect(await shown.json()).toMatchObject({ status: 'PENDING', statusLabel: '证书生成中…' });
    // Hours pass: the reconciler leaves parked messages to the redrive (no duplicates), and fails nothing.
    const later = await reconcile(new Date(Date.now() + 3 * 3600_000));
    expect(later.requeued).toBe(0);
    const listed = await runCli(['dlq', 'list', '--json', '--data-dir', stack.dataDir]);
    expect(listed.code, listed.stderr).toBe(0);
    const entries = (JSON.parse(listed.stdout) as { entries: Array<{ annotationId?: string; state: string; lastFailure?: string }> }).entries;
    const ours = entries.filter((e) => e.annotationId && ids.includes(e.annotationId));
    expect(ours).toHaveLength(6);
    for (const e of ours) expect(e).toMatchObject({ state: 'waiting', lastFailure: 'ServiceUnavailable' });

    // Act: S3 is back; the operator redrives.
    faults.s3Outage = false;
    const redrive = await runCli(['dlq', 'redrive', '--wait', '--data-dir', stack.dataDir]);

    // Assess
    expect(redrive.code, redrive.stderr).toBe(0);
    await until('all six READY', async () => (await statusesOf([a.certId, b.certId])).READY === 6, 180_000);
    await renderQueueDrained();
    expect(await deadLetters()).toBe(0);
    await expectAllReadyOnceWithExactQuotas(stack.target.bucketName, [a.certId, b.certId], 3);
  });

  it('a message that keeps failing is parked, not failed: after the fault clears a redrive makes it READY', async () => {
    const { certId, holder } = await holderWithCertificate('故障癸');
    faults.throwFor.set(certId, 1_000);
    const before = await deadLetters();
    await apply(holder, certId);
    await until('dead-lettered', async () => (await deadLetters()) > before, 120_000);
    expect((await listAnnotations(certId)).map((a) => a.status)).toEqual(['PENDING']);
    expect(Object.keys(liveSlots((await getQuota(certId)).slots, new Date()))).toHaveLength(1);
    faults.throwFor.delete(certId);
    const redrive = await runCli(['dlq', 'redrive', '--wait', '--data-dir', stack.dataDir]);
    expect(redrive.code, redrive.stderr).toBe(0);
    expect((await settle(certId)).map((a) => a.status)).toEqual(['READY']);
  });

  it('ends with nothing PENDING or FAILED, every annotation with its object, and exact quotas', async () => {
    await renderQueueDrained();
    await expectAllReadyOnceWithExactQuotas(stack.target.bucketName, certIds);
  });
});
