import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SendMessageCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { s3, sqs } from '../../shared/aws/clients';
import { getSecret } from '../../shared/config/secrets';
import { revokeCertificate, upsertCertificate } from '../../shared/repository/certificates';
import { moduleHandlerLoader } from '../../local/handlers';
import { startTestStack, type TestStack } from '../support/local-stack';
import { certificateRecord } from '../support/factories';
import { readyHolder, type HolderSession } from '../support/holder-client';
import { missingGlyphs } from '../support/pdf-glyphs';

// The whole pipeline on the local stack: API → DynamoDB → SQS → render consumer → S3 → READY → presigned download,
// behind a short redrive policy (2 receives, 1 s visibility) so a message that keeps failing reaches the DLQ fast.
const POISON_CERT_PREFIX = 'POISON';
const loader = moduleHandlerLoader();
let stack: TestStack;

interface AnnotationBody {
  annotationId: string;
  status: string;
  statusLabel: string;
  documentSha256?: string;
  failureReason?: string;
  verificationCode?: string;
  validUntil: string;
}

beforeAll(async () => {
  stack = await startTestStack({
    queueOverrides: { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 },
    pollIdleDelayMs: 20,
    // Fault injection: the render consumer throws for one certificate, every time — a poison message.
    loadHandler: async (fn) => {
      const real = await loader(fn);
      if (fn.id !== 'RenderConsumer') return real;
      return async (event, context) => {
        const records = (event as SQSEvent).Records;
        if (records.some((r) => r.body.includes(POISON_CERT_PREFIX))) throw new Error('injected render fault');
        return real(event, context);
      };
    },
  });
  // What a Lambda container's init does before its first message: fonts parsed, seal key certified, TSA path and CRL
  // fetched. With a 1 s visibility timeout a cold first render under load would otherwise be delivered twice → DLQ.
  const { warmUpRenderer } = await import('../../shared/pdf/annotated-certificate');
  warmUpRenderer();
  await (await (await import('../../shared/signing/sealer')).signingKey()).validationData();
});

afterAll(async () => {
  await stack?.stop();
});

async function holderWithCertificate(holderName: string, overrides: Parameters<typeof certificateRecord>[0] = {}) {
  const record = certificateRecord({ holderName, ...overrides });
  await upsertCertificate(record, await getSecret('idHashKey'));
  const holder = await readyHolder(stack, { name: holderName, idNumber: record.idNumber });
  return { record, holder };
}

async function apply(holder: HolderSession, certId: string, validDays = 30) {
  const response = await holder.post(`/v1/certificates/${certId}/annotations`, { scenario: 'SELF_USE', validDays });
  expect(response.status).toBe(202);
  return (await response.json()) as AnnotationBody;
}

async function waitForStatus(holder: HolderSession, certId: string, annotationId: string, wanted: string[]) {
  const started = Date.now();
  for (;;) {
    const body = (await (await holder.get(`/v1/certificates/${certId}/annotations/${annotationId}`)).json()) as AnnotationBody;
    if (wanted.includes(body.status)) return { body, elapsedMs: Date.now() - started };
    if (Date.now() - started > 30_000) throw new Error(`still ${body.status} after 30 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function dlqDepth(): Promise<number> {
  const out = await sqs().send(
    new GetQueueAttributesCommand({ QueueUrl: stack.target.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}

async function untilDeadLettered(count: number) {
  const started = Date.now();
  while ((await dlqDepth()) < count) {
    if (Date.now() - started > 90_000) throw new Error(`fewer than ${count} dead letters after 90 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function queueEmpty(queueUrl: string) {
  for (let i = 0; i < 200; i++) {
    const out = await sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    if (out.Attributes?.ApproximateNumberOfMessages === '0' && out.Attributes?.ApproximateNumberOfMessagesNotVisible === '0') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('queue did not drain');
}

describe('annotation pipeline', () => {
  it('applies, renders to READY in seconds, and downloads a PDF whose SHA-256 matches the record', async () => {
    // Prepare
    const { record, holder } = await holderWithCertificate('林𠮷');
    // Act
    const pending = await apply(holder, record.certId);
    expect(pending).toMatchObject({ status: 'PENDING', statusLabel: '证书生成中…' });
    const { body: ready } = await waitForStatus(holder, record.certId, pending.annotationId, ['READY', 'FAILED']);
    const download = await holder.get(`/v1/certificates/${record.certId}/annotations/${pending.annotationId}/download`);
    // Assess
    expect(ready.status).toBe('READY');
    expect(ready.documentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(download.status).toBe(200);
    const link = (await download.json()) as { url: string; expiresAt: string; filename: string };
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    const file = await fetch(link.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"]*"; filename\*=UTF-8''/);
    expect(decodeURIComponent(file.headers.get('content-disposition')!.split("UTF-8''")[1]!)).toBe(link.filename);
    expect(link.filename).toContain(record.certId);
    expect(link.filename).toContain('经济专业技术资格');
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(ready.documentSha256);
    // What a person sees: the Ext-B name and the rest are drawn with real glyphs.
    expect(await missingGlyphs(bytes, `林𠮷${record.idNumber}${record.certId}经济专业技术资格本人调用`)).toEqual([]);
  });

  it('renders and stores nothing new on a duplicate delivery', async () => {
    const { record, holder } = await holderWithCertificate('张伟');
    const pending = await apply(holder, record.certId);
    const { body: ready } = await waitForStatus(holder, record.certId, pending.annotationId, ['READY']);
    const stored = await s3().send(new ListObjectsV2Command({ Bucket: stack.target.bucketName, Prefix: `annotations/${record.certId}/` }));
    const key = stored.Contents![0]!.Key!;
    const before = await s3().send(new HeadObjectCommand({ Bucket: stack.target.bucketName, Key: key }));

    // Act: the same message arrives again, twice.
    for (let i = 0; i < 2; i++) {
      await sqs().send(
        new SendMessageCommand({
          QueueUrl: stack.target.queueUrl,
          MessageBody: JSON.stringify({ certId: record.certId, annotationId: pending.annotationId }),
        }),
      );
    }
    await queueEmpty(stack.target.queueUrl);

    // Assess: same object (not rewritten), same record.
    const after = await s3().send(new HeadObjectCommand({ Bucket: stack.target.bucketName, Key: key }));
    expect(after.LastModified).toEqual(before.LastModified);
    expect(after.ETag).toBe(before.ETag);
    const again = (await (await holder.get(`/v1/certificates/${record.certId}/annotations/${pending.annotationId}`)).json()) as AnnotationBody;
    expect(again).toEqual(ready);
    const listed = await s3().send(
      new ListObjectsV2Command({ Bucket: stack.target.bucketName, Prefix: `annotations/${record.certId}/` }),
    );
    expect(listed.KeyCount).toBe(1);
  });

  it('parks a message that keeps failing in the DLQ: the annotation stays PENDING (证书生成中…) and keeps its slot', async () => {
    // Prepare
    const { record, holder } = await holderWithCertificate('赵敏', { certId: `${POISON_CERT_PREFIX}-${Date.now()}` });

    // Act: every delivery fails (2 receives), then the message moves to the DLQ, where nothing consumes it.
    const pending = await apply(holder, record.certId);
    await untilDeadLettered(1);
    await new Promise((r) => setTimeout(r, 1500));

    // Assess: waiting is not failure.
    const body = (await (await holder.get(`/v1/certificates/${record.certId}/annotations/${pending.annotationId}`)).json()) as AnnotationBody;
    expect(body).toMatchObject({ status: 'PENDING', statusLabel: '证书生成中…' });
    const list = (await (await holder.get(`/v1/certificates/${record.certId}/annotations`)).json()) as { quota: { used: number } };
    expect(list.quota.used).toBe(1);
    expect(await dlqDepth()).toBeGreaterThanOrEqual(1);
    const download = await holder.get(`/v1/certificates/${record.certId}/annotations/${pending.annotationId}/download`);
    expect(download.status).toBe(409);
    expect(await download.json()).toMatchObject({ code: 'ANNOTATION_PENDING' });
  });

  it('fails an annotation whose name no font can draw, with the reason, and frees the slot', async () => {
    const { record, holder } = await holderWithCertificate('张ⴰ');
    const pending = await apply(holder, record.certId);
    const { body } = await waitForStatus(holder, record.certId, pending.annotationId, ['FAILED', 'READY']);
    expect(body.status).toBe('FAILED');
    expect(body.failureReason).toContain('U+2D30');
    const list = (await (await holder.get(`/v1/certificates/${record.certId}/annotations`)).json()) as {
      quota: { used: number };
    };
    expect(list.quota.used).toBe(0);
  });

  it('turns every annotation of a revoked certificate REVOKED at once', async () => {
    const { record, holder } = await holderWithCertificate('钱学');
    const pending = await apply(holder, record.certId);
    await waitForStatus(holder, record.certId, pending.annotationId, ['READY']);
    await revokeCertificate(record.certId, '测试撤销');
    const body = (await (await holder.get(`/v1/certificates/${record.certId}/annotations/${pending.annotationId}`)).json()) as AnnotationBody;
    expect(body).toMatchObject({ status: 'REVOKED', statusLabel: '已撤销' });
    const download = await holder.get(`/v1/certificates/${record.certId}/annotations/${pending.annotationId}/download`);
    expect(download.status).toBe(409);
    expect(await download.json()).toMatchObject({ code: 'CERTIFICATE_REVOKED' });
  });
});
