import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { s3, sqs } from '../../shared/aws/clients';
import { getSecret } from '../../shared/config/secrets';
import { upsertCertificate } from '../../shared/repository/certificates';
import { getAnnotation, getQuota, listAnnotations, markAnnotationReady } from '../../shared/repository/annotations';
import { liveSlots } from '../../shared/domain/annotation';
import { reconcile } from '../../functions/jobs/reconciler';
import { moduleHandlerLoader } from '../../local/handlers';
import { startTestStack, type TestStack } from '../support/local-stack';
import { certificateRecord } from '../support/factories';
import { readyHolder, type HolderSession } from '../support/holder-client';

/**
 * Fault injection on the local stack. Faults are switched on and off from the test through the very clients and
 * handler modules the runtime uses (one process), then the system is left to its retries, DLQ handler and
 * reconciler. The invariant checked at the end: every annotation READY or FAILED, none PENDING, exactly one object
 * per READY annotation and none for FAILED ones, and each certificate's quota counts exactly its non-failed
 * annotations.
 */
const faults = {
  /** Render consumer throws on records whose body contains one of these certIds, this many more times each. */
  throwFor: new Map<string, number>(),
  /** S3 PutObject fails this many more times. */
  putFailures: 0,
  /** SQS SendMessage from the API fails this many more times (the "process died after the write" case). */
  sendFailures: 0,
};

const loader = moduleHandlerLoader();
let stack: TestStack;
const certIds: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({
    queueOverrides: { visibilityTimeoutSeconds: 1, maxReceiveCount: 4 },
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
      if (context.commandName === 'PutObjectCommand' && faults.putFailures > 0) {
        faults.putFailures--;
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

async function settle(certId: string, timeoutMs = 30_000) {
  const started = Date.now();
  for (;;) {
    const items = await listAnnotations(certId);
    if (items.every((a) => a.status !== 'PENDING')) return items;
    if (Date.now() - started > timeoutMs) return items;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function queuesDrained() {
  for (let i = 0; i < 400; i++) {
    const depth = await Promise.all(
      [stack.target.queueUrl, stack.target.deadLetterQueueUrl].map(async (QueueUrl) => {
        const out = await sqs().send(
          new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
        );
        return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      }),
    );
    if (depth.every((d) => d === 0)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('queues did not drain');
}

describe('fault injection', () => {
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

  it('retries through failing S3 writes and ends READY', async () => {
    const { certId, holder } = await holderWithCertificate('故障丁');
    faults.putFailures = 2;
    await apply(holder, certId);
    expect((await settle(certId)).map((a) => a.status)).toEqual(['READY']);
    expect(faults.putFailures).toBe(0);
  });

  it('a message lost between the write and SendMessage is re-sent by the reconciler', async () => {
    const { certId, holder } = await holderWithCertificate('故障戊');
    faults.sendFailures = 1;
    const annotationId = await apply(holder, certId);
    await queuesDrained();
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
    await queuesDrained();
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
    // The stale messages now find it READY and do nothing.
    await queuesDrained();
    expect((await getAnnotation(certId, annotationId, { consistent: true }))!.documentSha256).toBe(winner.documentSha256);
    certIds.splice(certIds.indexOf(certId), 1); // its "object" was never written: excluded from the object check
  });

  it('a message that keeps failing reaches the DLQ and the annotation ends FAILED with its slot freed', async () => {
    const { certId, holder } = await holderWithCertificate('故障辛');
    faults.throwFor.set(certId, 1_000);
    await apply(holder, certId);
    const settled = await settle(certId);
    expect(settled.map((a) => a.status)).toEqual(['FAILED']);
    faults.throwFor.delete(certId);
    // The freed slot is usable: three more applications are accepted.
    for (let i = 0; i < 3; i++) await apply(holder, certId);
    expect((await settle(certId)).filter((a) => a.status === 'READY')).toHaveLength(3);
  });

  it('ends with nothing PENDING, one object per READY annotation, and exact quotas', async () => {
    await queuesDrained();
    for (const certId of certIds) {
      const annotations = await settle(certId);
      expect(annotations.filter((a) => a.status === 'PENDING')).toEqual([]);
      const objects = await s3().send(new ListObjectsV2Command({ Bucket: stack.target.bucketName, Prefix: `annotations/${certId}/` }));
      const keys = (objects.Contents ?? []).map((o) => o.Key).sort();
      const ready = annotations.filter((a) => a.status === 'READY');
      // Every READY annotation's recorded object exists, and every object belongs to a READY annotation (a render
      // retried after its upload leaves its own hash-named object beside the recorded one).
      for (const a of ready) expect(keys).toContain(a.objectKey);
      for (const key of keys) expect(ready.some((a) => key!.startsWith(`annotations/${certId}/${a.annotationId}.`))).toBe(true);
      const quota = await getQuota(certId);
      const counted = Object.keys(liveSlots(quota.slots, new Date())).sort();
      expect(counted).toEqual(annotations.filter((a) => a.status !== 'FAILED').map((a) => a.annotationId).sort());
    }
  });
});
