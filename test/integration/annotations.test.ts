import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, s3, sqs } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';
import { getSecret } from '../../shared/config/secrets';
import { ANNOTATION_ID_PATTERN, liveSlots, VERIFICATION_CODE_PATTERN } from '../../shared/domain/annotation';
import type { AnnotationView } from '../../shared/domain/annotation-view';
import { revokeCertificate, upsertCertificate } from '../../shared/repository/certificates';
import { sha256Hex } from '../../shared/repository/documents';
import {
  getAnnotation,
  getQuota,
  markAnnotationFailed,
  markAnnotationReady,
  pendingSortKey,
  putVerificationRecord,
} from '../../shared/repository/annotations';
import { getCertificate } from '../../shared/repository/certificates';
import { applyForAnnotation } from '../../shared/services/annotations-apply';
import { objectKeys } from '../../shared/resources/bucket';
import { FUNCTIONS, type FunctionDecl } from '../../shared/resources/functions';
import { keys } from '../../shared/resources/table';
import { runCli } from '../support/cli';
import { startTestStack, type TestStack } from '../support/local-stack';
import { certificateRecord, residentId } from '../support/factories';
import { readyHolder, type HolderSession } from '../support/holder-client';
import { minimalPdf } from '../support/pdf';
import { holdLogLevel } from '../support/log-capture';

/**
 * The annotation API, quota, idempotency, reconciler and the DLQ commands against the local stack (real emulators,
 * real handlers over HTTP). The render consumer is left out of this stack so that annotations stay PENDING until a
 * test moves them on; the renderer has its own tests.
 */
const DAY = 86_400_000;
const functions = Object.fromEntries(
  Object.entries(FUNCTIONS as Record<string, FunctionDecl>).filter(
    ([, fn]) => !(fn.trigger?.type === 'queue' && fn.trigger.queue === 'annotations'),
  ),
);

let stack: TestStack;
const captured: string[] = [];
const idNumbers: string[] = [];
let restoreOutput: () => void;
let restoreLogLevel: (() => void) | undefined;

beforeAll(async () => {
  // Handler logs at every level (warnings and errors go to stderr) are captured and scanned at the end.
  const restores = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured.push(String(chunk));
      return write(chunk as never, ...(rest as []));
    }) as typeof stream.write;
    return () => (stream.write = write);
  });
  restoreOutput = () => restores.forEach((restore) => restore());
  restoreLogLevel = holdLogLevel('INFO');
  stack = await startTestStack({
    functions,
    // DynamoDB TTL is lazy (R6): no sweep during these tests, so items past validUntil stay, as they do in the cloud.
    sweepIntervalMs: 3_600_000,
    // The reconciler runs when a test says so.
    scheduleIntervalMs: { Reconciler: 3_600_000 },
    pollIdleDelayMs: 50,
  });
});

afterAll(async () => {
  restoreOutput?.();
  restoreLogLevel?.();
  await stack?.stop();
  const logs = captured.join('');
  // The capture works, and no ID number reached a log line.
  expect(logs).toContain('"message":"annotation applied"');
  for (const idNumber of idNumbers) expect(logs).not.toContain(idNumber);
});

// ── Helpers ─────────────────────────────────────────────────────────────────────────────────────────────────────

type Problem = { code: string; status: number; nextAvailableAt?: string; errors?: Array<{ path: string }> };

async function importCertificate(overrides: Parameters<typeof certificateRecord>[0] = {}) {
  const record = certificateRecord(overrides);
  await upsertCertificate(record, await getSecret('idHashKey'));
  idNumbers.push(record.idNumber);
  return record;
}

let names = 0;
/** A holder with one e-certificate (issued 2023), ready to use the API. */
async function holderWithCertificate(overrides: Parameters<typeof certificateRecord>[0] = {}) {
  const name = `加注${String.fromCodePoint(0x4e00 + ++names)}`;
  const record = await importCertificate({ holderName: name, idNumber: residentId('19850101'), ...overrides });
  const holder = await readyHolder(stack, { name, idNumber: record.idNumber });
  return { holder, record, certId: record.certId };
}

const base = (certId: string) => `/v1/certificates/${certId}/annotations`;
const BODY = { scenario: 'SELF_USE', validDays: 90 };

function apply(holder: HolderSession, certId: string, body: unknown = BODY, headers: Record<string, string> = {}) {
  return holder.post(base(certId), body, headers);
}

async function applied(holder: HolderSession, certId: string, body: unknown = BODY): Promise<AnnotationView> {
  const response = await apply(holder, certId, body);
  expect(response.status).toBe(202);
  return (await response.json()) as AnnotationView;
}

async function list(holder: HolderSession, certId: string) {
  const response = await holder.get(base(certId));
  expect(response.status).toBe(200);
  return (await response.json()) as {
    items: AnnotationView[];
    quota: { limit: number; used: number; windowDays: number; nextAvailableAt: string | null };
  };
}

/** Every message now on a queue, removed from it (the render consumer is not running here). */
async function drain(queueUrl: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const out = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = out.Messages ?? [];
    if (messages.length === 0) return bodies;
    for (const m of messages) {
      try {
        bodies.push(JSON.parse(m.Body!));
      } catch {
        bodies.push(m.Body);
      }
    }
    await sqs().send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

/** What the render consumer would do: the PDF in S3, the annotation READY. */
async function render(certId: string, annotationId: string, marker = annotationId) {
  const bytes = minimalPdf(marker);
  const objectKey = objectKeys.annotation(certId, annotationId);
  await s3().send(
    new PutObjectCommand({ Bucket: stack.target.bucketName, Key: objectKey, Body: bytes, ContentType: 'application/pdf' }),
  );
  const annotation = await getAnnotation(certId, annotationId, { consistent: true });
  await putVerificationRecord(annotation!, sha256Hex(bytes));
  const ok = await markAnnotationReady(annotation!, {
    objectKey,
    documentSha256: sha256Hex(bytes),
    documentSize: bytes.length,
    renderedAt: new Date().toISOString(),
  });
  expect(ok).toBe(true);
  return bytes;
}

/** Time passes: moves an annotation's window so that it ends at `validUntil` (TTL attribute included). */
async function moveWindow(certId: string, annotationId: string, validUntil: Date, validDays: number) {
  const from = new Date(validUntil.getTime() - validDays * DAY).toISOString();
  await ddb().send(
    new UpdateCommand({
      TableName: stack.target.tableName,
      Key: keys.annotation(certId, annotationId),
      UpdateExpression: 'SET appliedAt = :from, validFrom = :from, validUntilIso = :until, validUntil = :epoch',
      ExpressionAttributeValues: {
        ':from': from,
        ':until': validUntil.toISOString(),
        ':epoch': Math.ceil(validUntil.getTime() / 1000),
      },
    }),
  );
}

const loggedAttempts = (message: string) =>
  captured
    .join('')
    .split('\n')
    .filter((line) => line.includes(`"message":"${message}"`))
    .map((line) => Number((JSON.parse(line) as { attempts: number }).attempts));

// ── Apply ───────────────────────────────────────────────────────────────────────────────────────────────────────

describe('applying for an annotation', () => {
  it('accepts at once: 202 PENDING with Location, one render message, the item as table-design.md says', async () => {
    // Prepare
    const { holder, certId } = await holderWithCertificate();
    await drain(stack.target.queueUrl);

    // Act
    const before = Date.now();
    const response = await apply(holder, certId, { scenario: 'SELF_USE', validDays: 30 });

    // Assess
    expect(response.status).toBe(202);
    const body = (await response.json()) as AnnotationView;
    expect(body).toMatchObject({
      certId,
      scenario: 'SELF_USE',
      scenarioLabel: '本人调用',
      validDays: 30,
      status: 'PENDING',
      statusLabel: '证书生成中…',
    });
    expect(body.annotationId).toMatch(ANNOTATION_ID_PATTERN);
    expect(response.headers.get('location')).toBe(`${base(certId)}/${body.annotationId}`);
    expect(Date.parse(body.appliedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(body.validFrom).toBe(body.appliedAt);
    expect(Date.parse(body.validUntil) - Date.parse(body.validFrom)).toBe(30 * DAY);
    expect(body).not.toHaveProperty('verificationCode');
    expect(body).not.toHaveProperty('documentSha256');
    expect(await drain(stack.target.queueUrl)).toEqual([{ certId, annotationId: body.annotationId }]);

    const item = (
      await ddb().send(new GetCommand({ TableName: stack.target.tableName, Key: keys.annotation(certId, body.annotationId) }))
    ).Item!;
    expect(item.validUntil).toBe(Math.ceil(Date.parse(body.validUntil) / 1000));
    expect(item.validUntilIso).toBe(body.validUntil);
    expect(item.gsi2pk).toBe(keys.pendingPartition(body.annotationId));
    expect(item.gsi2pk).toMatch(/^PENDING#\d{2}$/);
    expect(item.gsi2sk).toBe(pendingSortKey(body.appliedAt, certId, body.annotationId));
    expect(item.verificationCode).toMatch(VERIFICATION_CODE_PATTERN);
    // The quota lives on the certificate item, which has no TTL (R4 must not depend on items TTL may delete).
    const cert = (await ddb().send(new GetCommand({ TableName: stack.target.tableName, Key: keys.certificate(certId) }))).Item!;
    expect(cert).toMatchObject({ quotaVersion: 1, quotaSlots: { [body.annotationId]: body.appliedAt } });
    expect(cert).not.toHaveProperty('validUntil');
  });

  it('lists newest first with the quota, and gets one', async () => {
    // Prepare
    const { holder, certId } = await holderWithCertificate();
    const first = await applied(holder, certId, { scenario: 'SELF_USE', validDays: 10 });
    const second = await applied(holder, certId, { scenario: 'SELF_USE', validDays: 20 });

    // Act
    const all = await list(holder, certId);
    const one = await holder.get(`${base(certId)}/${first.annotationId}`);

    // Assess
    expect(all.items.map((a) => a.annotationId)).toEqual([second.annotationId, first.annotationId]);
    expect(all.items.map((a) => a.validDays)).toEqual([20, 10]);
    expect(all.quota).toEqual({
      limit: 3,
      used: 2,
      windowDays: 90,
      remaining: 1,
      canApply: true,
      nextAvailableAt: null,
      oldestSlotFreesAt: new Date(Date.parse(all.items[1]!.appliedAt) + 90 * DAY).toISOString(),
    });
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(all.items[1]);
  });

  it('answers 422 VALIDATION_FAILED for validDays 0, 91, 1.5, "9", missing fields, an unknown scenario or an extra field, and stores nothing', async () => {
    // Prepare
    const { holder, certId } = await holderWithCertificate();
    const bodies = [
      { scenario: 'SELF_USE', validDays: 0 },
      { scenario: 'SELF_USE', validDays: 91 },
      { scenario: 'SELF_USE', validDays: 1.5 },
      { scenario: 'SELF_USE', validDays: '9' },
      { scenario: 'SELF_USE' },
      { validDays: 30 },
      { scenario: 'EMPLOYER', validDays: 30 },
      { scenario: 'SELF_USE', validDays: 30, holderId: 'x' },
    ];

    // Act
    const responses = await Promise.all(bodies.map((body) => apply(holder, certId, body)));

    // Assess
    for (const [i, response] of responses.entries()) {
      expect(response.status, JSON.stringify(bodies[i])).toBe(422);
      expect(((await response.json()) as Problem).code).toBe('VALIDATION_FAILED');
    }
    const after = await list(holder, certId);
    expect(after.items).toEqual([]);
    expect(after.quota.used).toBe(0);
  });

  it('answers 422 ANNOTATION_NOT_REQUIRED for a certificate issued before 2021-12-17', async () => {
    const { holder, certId } = await holderWithCertificate({ issuedAt: '2019-06-30', approvalDate: '2019-05-20' });
    const response = await apply(holder, certId);
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'ANNOTATION_NOT_REQUIRED' });
  });

  it('refuses a revoked certificate (409 CERTIFICATE_REVOKED); its annotations show REVOKED and cannot be downloaded', async () => {
    // Prepare
    const { holder, certId } = await holderWithCertificate();
    const before = await applied(holder, certId);
    await render(certId, before.annotationId);
    expect((await holder.get(`${base(certId)}/${before.annotationId}/download`)).status).toBe(200);

    // Act
    await revokeCertificate(certId, '测试撤销');
    const again = await apply(holder, certId);
    const download = await holder.get(`${base(certId)}/${before.annotationId}/download`);
    const shown = await list(holder, certId);

    // Assess
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'CERTIFICATE_REVOKED' });
    expect(download.status).toBe(409);
    expect(await download.json()).toMatchObject({ code: 'CERTIFICATE_REVOKED' });
    expect(shown.items).toHaveLength(1);
    expect(shown.items[0]).toMatchObject({ status: 'REVOKED', statusLabel: '已撤销' });
    expect(shown.items[0]).not.toHaveProperty('verificationCode');
  });

  it('re-checks the certificate inside the transaction: revoked after the handler read it, nothing is written', async () => {
    // Prepare: the handler's read is past (VALID then); the revocation lands before the transaction.
    const { certId, holder } = await holderWithCertificate();
    const asRead = (await getCertificate(certId))!;
    await revokeCertificate(certId, '并发撤销');

    // Act
    const error = await applyForAnnotation({ certificate: asRead, holderId: holder.holderId, scenario: 'SELF_USE', validDays: 5 }).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toMatchObject({ name: 'ApplicationRefusedError', code: 'CERTIFICATE_REVOKED' });
    expect(await getQuota(certId)).toEqual({ slots: {}, version: 0, certificateStatus: 'REVOKED' });
    expect((await list(holder, certId)).items).toEqual([]);
  });
});

// ── Quota ───────────────────────────────────────────────────────────────────────────────────────────────────────

describe('quota (R4)', () => {
  it('admits exactly 3 of 10 concurrent applications; the 7 others get 409 QUOTA_EXCEEDED with nextAvailableAt', async () => {
    // Prepare
    const { holder, certId } = await holderWithCertificate();
    await drain(stack.target.queueUrl);
    const appliedBefore = loggedAttempts('annotation applied').length;
    const refusedBefore = loggedAttempts('annotation refused: quota used up').length;

    // Act
    const started = performance.now();
    const responses = await Promise.all(Array.from({ length: 10 }, () => apply(holder, certId)));
    const elapsedMs = performance.now() - started;

    // Assess
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([202, 202, 202, 409, 409, 409, 409, 409, 409, 409]);
    const accepted = await Promise.all(
      responses.filter((r) => r.status === 202).map((r) => r.json() as Promise<AnnotationView>),
    );
    const refused = await Promise.all(responses.filter((r) => r.status === 409).map((r) => r.json() as Promise<Problem>));
    expect(accepted.map((a) => a.status)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    expect(refused.map((p) => p.code)).toEqual(Array(7).fill('QUOTA_EXCEEDED'));
    const oldest = Math.min(...accepted.map((a) => Date.parse(a.appliedAt)));
    for (const problem of refused) expect(problem.nextAvailableAt).toBe(new Date(oldest + 90 * DAY).toISOString());

    const quota = await getQuota(certId);
    expect(Object.keys(liveSlots(quota.slots, new Date())).sort()).toEqual(accepted.map((a) => a.annotationId).sort());
    expect(quota.version).toBe(3);
    const shown = await list(holder, certId);
    expect(shown.items).toHaveLength(3);
    expect(shown.quota).toMatchObject({ used: 3, nextAvailableAt: new Date(oldest + 90 * DAY).toISOString() });
    expect((await drain(stack.target.queueUrl)).length).toBe(3);

    const appliedAttempts = loggedAttempts('annotation applied').slice(appliedBefore);
    const refusedAttempts = loggedAttempts('annotation refused: quota used up').slice(refusedBefore);
    const retries = [...appliedAttempts, ...refusedAttempts].reduce((sum, n) => sum + n - 1, 0);
    console.log(
      `[measure] 10 concurrent applies: ${elapsedMs.toFixed(0)} ms, transaction retries ${retries} ` +
        `(accepted attempts ${appliedAttempts.join(',')}; refused after attempts ${refusedAttempts.join(',')})`,
    );
  });

  it('frees a slot when an annotation fails: used 3 → 2, and a new application is accepted', async () => {
    // Prepare
    const { holder, certId } = await holderWithCertificate();
    const first = await applied(holder, certId);
    await applied(holder, certId);
    await applied(holder, certId);
    expect((await apply(holder, certId)).status).toBe(409);

    // Act
    const failure = { reason: '渲染失败', code: 'TEST_FAILURE', attempted: true };
    const marked = await markAnnotationFailed(certId, first.annotationId, failure);
    const markedAgain = await markAnnotationFailed(certId, first.annotationId, failure);

    // Assess
    expect([marked, markedAgain]).toEqual([true, false]);
    const after = await list(holder, certId);
    expect(after.quota).toMatchObject({ used: 2, nextAvailableAt: null });
    expect(after.items.find((a) => a.annotationId === first.annotationId)).toMatchObject({
      status: 'FAILED',
      statusLabel: '生成失败',
      failureReason: '渲染失败',
    });
    const failedItem = (
      await ddb().send(new GetCommand({ TableName: stack.target.tableName, Key: keys.annotation(certId, first.annotationId) }))
    ).Item!;
    expect(failedItem).not.toHaveProperty('gsi2pk');
    const download = await holder.get(`${base(certId)}/${first.annotationId}/download`);
    expect(download.status).toBe(409);
    expect(await download.json()).toMatchObject({ code: 'ANNOTATION_FAILED' });
    expect((await apply(holder, certId)).status).toBe(202);
    expect((await list(holder, certId)).quota.used).toBe(3);
  });
});

// ── Idempotency-Key ─────────────────────────────────────────────────────────────────────────────────────────────

describe('Idempotency-Key', () => {
  it('replays the same key and body: the same annotation, one quota slot, one render message', async () => {
    // Prepare
    const { holder, certId } = await holderWithCertificate();
    await drain(stack.target.queueUrl);
    const key = { 'idempotency-key': 'client-retry:0001' };

    // Act
    const first = await apply(holder, certId, { scenario: 'SELF_USE', validDays: 45 }, key);
    const again = await apply(holder, certId, { validDays: 45, scenario: 'SELF_USE' }, key);

    // Assess
    expect([first.status, again.status]).toEqual([202, 202]);
    const [a, b] = [(await first.json()) as AnnotationView, (await again.json()) as AnnotationView];
    expect(b.annotationId).toBe(a.annotationId);
    expect(b).toEqual(a);
    expect((await list(holder, certId)).quota.used).toBe(1);
    expect(await drain(stack.target.queueUrl)).toHaveLength(1);
    const record = (
      await ddb().send(new GetCommand({ TableName: stack.target.tableName, Key: keys.idempotency(holder.holderId, 'client-retry:0001') }))
    ).Item!;
    expect(record).toMatchObject({ certId, annotationId: a.annotationId, requestHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(Number(record.validUntil) - Date.now() / 1000).toBeGreaterThan(24 * 3600 - 60);
    expect(Number(record.validUntil) - Date.now() / 1000).toBeLessThanOrEqual(24 * 3600);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body or another certificate', async () => {
    // Prepare: one holder, two e-certificates.
    const { holder, certId, record } = await holderWithCertificate();
    const other = await importCertificate({ holderName: record.holderName, idNumber: record.idNumber, qualificationCode: 'AUDIT' });
    const key = { 'idempotency-key': 'same-key' };
    expect((await apply(holder, certId, { scenario: 'SELF_USE', validDays: 45 }, key)).status).toBe(202);

    // Act
    const otherBody = await apply(holder, certId, { scenario: 'SELF_USE', validDays: 44 }, key);
    const otherCert = await apply(holder, other.certId, { scenario: 'SELF_USE', validDays: 45 }, key);

    // Assess
    for (const response of [otherBody, otherCert]) {
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    }
    expect((await list(holder, certId)).quota.used).toBe(1);
    expect((await list(holder, other.certId)).quota.used).toBe(0);
  });

  it('makes one annotation of 5 concurrent requests with the same key', async () => {
    const { holder, certId } = await holderWithCertificate();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => apply(holder, certId, BODY, { 'idempotency-key': 'burst-1' })),
    );
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as AnnotationView).annotationId)));
    expect(ids.size).toBe(1);
    const shown = await list(holder, certId);
    expect(shown.items).toHaveLength(1);
    expect(shown.quota.used).toBe(1);
  });

  it('keeps keys per holder: another holder may use the same key', async () => {
    const a = await holderWithCertificate();
    const b = await holderWithCertificate();
    const key = { 'idempotency-key': 'shared-name' };
    const ra = await apply(a.holder, a.certId, BODY, key);
    const rb = await apply(b.holder, b.certId, BODY, key);
    expect([ra.status, rb.status]).toEqual([202, 202]);
    expect(((await ra.json()) as AnnotationView).annotationId).not.toBe(((await rb.json()) as AnnotationView).annotationId);
  });

  it('answers 422 VALIDATION_FAILED for a malformed key and stores nothing', async () => {
    const { holder, certId } = await holderWithCertificate();
    for (const key of ['', 'k'.repeat(129), 'a b', 'a#b', 'a/b']) {
      const response = await apply(holder, certId, BODY, { 'idempotency-key': key });
      expect(response.status, JSON.stringify(key)).toBe(422);
      const problem = (await response.json()) as Problem;
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.errors?.map((e) => e.path)).toEqual(['idempotency-key']);
    }
    expect((await apply(holder, certId, BODY, { 'idempotency-key': 'k'.repeat(128) })).status).toBe(202);
    expect((await list(holder, certId)).quota.used).toBe(1);
  });
});

// ── Download ────────────────────────────────────────────────────────────────────────────────────────────────────

describe('download', () => {
  it('answers 409 ANNOTATION_PENDING while the document is being made', async () => {
    const { holder, certId } = await holderWithCertificate();
    const annotation = await applied(holder, certId);
    const response = await holder.get(`${base(certId)}/${annotation.annotationId}/download`);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'ANNOTATION_PENDING' });
  });

  it('gives a READY annotation a presigned link of at most 300 s that serves the PDF with a UTF-8 filename', async () => {
    // Prepare
    const { holder, certId } = await holderWithCertificate();
    const annotation = await applied(holder, certId);
    const bytes = await render(certId, annotation.annotationId);

    // Act
    const response = await holder.get(`${base(certId)}/${annotation.annotationId}/download?disposition=inline`);

    // Assess
    expect(response.status).toBe(200);
    const link = (await response.json()) as { url: string; expiresAt: string; filename: string };
    expect(link.filename).toBe(`经济专业技术资格-${certId}-电子证书（加注）.pdf`);
    const lifetime = Date.parse(link.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(290_000);
    expect(lifetime).toBeLessThanOrEqual(300_000);
    expect(Number(new URL(link.url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
    const download = await fetch(link.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(download.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(link.filename)}`);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);

    const view = (await (await holder.get(`${base(certId)}/${annotation.annotationId}`)).json()) as AnnotationView;
    expect(view).toMatchObject({ status: 'READY', statusLabel: '有效', documentSha256: sha256Hex(bytes), documentSize: bytes.length });
    expect(view.verificationCode).toMatch(VERIFICATION_CODE_PATTERN);
    const attachment = (await (await holder.get(`${base(certId)}/${annotation.annotationId}/download`)).json()) as { url: string };
    expect((await fetch(attachment.url)).headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('never gives a link past validUntil: 100 s before the end, the link lives at most 100 s', async () => {
    // Prepare
    const { holder, certId } = await holderWithCertificate();
    const annotation = await applied(holder, certId, { scenario: 'SELF_USE', validDays: 1 });
    await render(certId, annotation.annotationId);
    const validUntil = new Date(Date.now() + 100_000);
    await moveWindow(certId, annotation.annotationId, validUntil, 1);

    // Act
    const response = await holder.get(`${base(certId)}/${annotation.annotationId}/download`);

    // Assess
    expect(response.status).toBe(200);
    const link = (await response.json()) as { url: string; expiresAt: string };
    expect(Date.parse(link.expiresAt)).toBeLessThanOrEqual(validUntil.getTime());
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(100_000);
    expect(Number(new URL(link.url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(100);
  });

  it('answers 410 ANNOTATION_EXPIRED past validUntil (item not yet removed by TTL); list and get say EXPIRED', async () => {
    // Prepare
    const { holder, certId } = await holderWithCertificate();
    const annotation = await applied(holder, certId, { scenario: 'SELF_USE', validDays: 1 });
    await render(certId, annotation.annotationId);
    await moveWindow(certId, annotation.annotationId, new Date(Date.now() - 60_000), 1);

    // Act
    const download = await holder.get(`${base(certId)}/${annotation.annotationId}/download`);
    const one = (await (await holder.get(`${base(certId)}/${annotation.annotationId}`)).json()) as AnnotationView;
    const all = await list(holder, certId);

    // Assess
    expect(download.status).toBe(410);
    expect(await download.json()).toMatchObject({ code: 'ANNOTATION_EXPIRED' });
    expect(one).toMatchObject({ status: 'EXPIRED', statusLabel: '加注件已过期' });
    expect(one.verificationCode).toMatch(VERIFICATION_CODE_PATTERN);
    expect(all.items[0]).toEqual(one);
  });

  it('answers 404 for a malformed or unknown annotation id and 422 for a bad disposition', async () => {
    const { holder, certId } = await holderWithCertificate();
    const annotation = await applied(holder, certId);
    expect((await holder.get(`${base(certId)}/not-an-id`)).status).toBe(404);
    expect((await holder.get(`${base(certId)}/01ARZ3NDEKTSV4RRFFQ69G5FAV`)).status).toBe(404);
    expect((await holder.get(`${base(certId)}/01ARZ3NDEKTSV4RRFFQ69G5FAV/download`)).status).toBe(404);
    expect((await holder.get(`${base(certId)}/${annotation.annotationId}/download?disposition=evil`)).status).toBe(422);
  });
});

// ── Isolation ───────────────────────────────────────────────────────────────────────────────────────────────────

describe('isolation', () => {
  it("answers 404 to holder B on every route of holder A's annotations, and under another certificate", async () => {
    // Prepare
    const a = await holderWithCertificate();
    const b = await holderWithCertificate();
    const annotation = await applied(a.holder, a.certId);
    await render(a.certId, annotation.annotationId);
    const path = `${base(a.certId)}/${annotation.annotationId}`;

    // Act
    const responses = await Promise.all([
      b.holder.get(base(a.certId)),
      b.holder.get(path),
      b.holder.get(`${path}/download`),
      apply(b.holder, a.certId),
      // A's annotation id under B's own certificate.
      b.holder.get(`${base(b.certId)}/${annotation.annotationId}`),
      b.holder.get(`${base(b.certId)}/${annotation.annotationId}/download`),
    ]);

    // Assess
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(((await response.json()) as Problem).code).toBe('NOT_FOUND');
    }
    expect((await list(a.holder, a.certId)).quota.used).toBe(1);
  });
});

// ── Reconciler ──────────────────────────────────────────────────────────────────────────────────────────────────

describe('reconciler', () => {
  /** The annotation was applied for `minutesAgo`, plus any bookkeeping given. */
  async function age(certId: string, annotationId: string, minutesAgo: number, extra: Record<string, unknown> = {}) {
    const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const sets = Object.keys(extra).map((name, i) => `#x${i} = :x${i}`);
    await ddb().send(
      new UpdateCommand({
        TableName: stack.target.tableName,
        Key: keys.annotation(certId, annotationId),
        UpdateExpression: `SET appliedAt = :at, gsi2sk = :sk${sets.map((set) => `, ${set}`).join('')}`,
        ...(sets.length ? { ExpressionAttributeNames: Object.fromEntries(Object.keys(extra).map((name, i) => [`#x${i}`, name])) } : {}),
        ExpressionAttributeValues: {
          ':at': at,
          ':sk': pendingSortKey(at, certId, annotationId),
          ...Object.fromEntries(Object.values(extra).map((value, i) => [`:x${i}`, value])),
        },
      }),
    );
  }
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

  it('repairs a lost SendMessage: the apply still answers 202, and the reconciler sends the message later', async () => {
    // Prepare: SendMessage fails (no such queue) for this one request.
    const { holder, certId } = await holderWithCertificate();
    await drain(stack.target.queueUrl);
    const queueUrl = process.env[ENV.queueUrl]!;
    process.env[ENV.queueUrl] = `${queueUrl}-missing`;
    let annotation: AnnotationView;
    try {
      annotation = await applied(holder, certId);
    } finally {
      process.env[ENV.queueUrl] = queueUrl;
    }
    expect(await drain(stack.target.queueUrl)).toEqual([]);
    expect(captured.join('')).toContain('"message":"render enqueue failed; left to the reconciler"');

    // Act: minutes pass; the reconciler runs.
    await age(certId, annotation.annotationId, 3);
    await stack.runScheduled('Reconciler');

    // Assess
    expect(await drain(stack.target.queueUrl)).toEqual([{ certId, annotationId: annotation.annotationId }]);
  });

  it('re-sends what is due once per spacing, leaves parked and fresh ones, and never fails an annotation', async () => {
    // Prepare: on one certificate a fresh, a stale and a long-waiting annotation (re-sent 10 times, the last 2 days
    // ago: the old rules failed it after 3); on another one whose render failed transiently an hour ago.
    const { holder, certId } = await holderWithCertificate();
    const fresh = await applied(holder, certId);
    const stale = await applied(holder, certId);
    const longWaiting = await applied(holder, certId);
    const other = await holderWithCertificate();
    const parked = await applied(other.holder, other.certId);
    await age(certId, stale.annotationId, 10);
    await age(certId, longWaiting.annotationId, 3 * 24 * 60, { enqueueCount: 10, lastEnqueuedAt: ago(2 * 24 * 60) });
    await age(other.certId, parked.annotationId, 90, { lastFailure: 'ServiceUnavailable', lastFailedAt: ago(60), renderAttempts: 5 });
    await drain(stack.target.queueUrl);

    // Act
    const summary = (await stack.runScheduled('Reconciler')) as { examined: number; waiting: number };
    const again = (await stack.runScheduled('Reconciler')) as Record<string, number>;

    // Assess: the two due ones went back on the queue once; the second run finds their clocks restarted.
    expect(summary).toMatchObject({ requeued: 2, deferred: 0, errors: 0 });
    expect(summary.waiting).toBe(summary.examined - 2);
    expect(again).toMatchObject({ requeued: 0 });
    const sent = (await drain(stack.target.queueUrl)) as Array<{ annotationId: string }>;
    expect(sent.map((m) => m.annotationId).sort()).toEqual([stale.annotationId, longWaiting.annotationId].sort());
    expect(await getAnnotation(certId, stale.annotationId, { consistent: true })).toMatchObject({ status: 'PENDING', enqueueCount: 1 });
    expect(await getAnnotation(certId, longWaiting.annotationId, { consistent: true })).toMatchObject({ status: 'PENDING', enqueueCount: 11 });
    expect(await getAnnotation(certId, fresh.annotationId, { consistent: true })).not.toHaveProperty('enqueueCount');
    for (const [h, c] of [[holder, certId], [other.holder, other.certId]] as const) {
      const shown = await list(h, c);
      expect(shown.items.map((a) => a.status)).toEqual(shown.items.map(() => 'PENDING'));
    }
    expect((await list(holder, certId)).quota.used).toBe(3);
  });
});

// ── Dead letters ────────────────────────────────────────────────────────────────────────────────────────────────

describe('dead-letter queue', () => {
  const depth = async (queueUrl: string) => {
    const out = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
  };

  it('keeps a dead letter (nothing consumes the DLQ), lists it with ids and reasons only, and redrives it to the render queue', async () => {
    // Prepare: an annotation whose render failed transiently and whose message was parked; a READY one with a
    // stray duplicate in the DLQ; and a message that is no render message.
    const { holder, certId, record } = await holderWithCertificate();
    const waiting = await applied(holder, certId);
    const done = await applied(holder, certId);
    await render(certId, done.annotationId);
    await drain(stack.target.queueUrl);
    await ddb().send(
      new UpdateCommand({
        TableName: stack.target.tableName,
        Key: keys.annotation(certId, waiting.annotationId),
        UpdateExpression: 'SET lastFailure = :code, lastFailedAt = :at, renderAttempts = :n',
        ExpressionAttributeValues: { ':code': 'ServiceUnavailable', ':at': new Date().toISOString(), ':n': 5 },
      }),
    );
    for (const body of [JSON.stringify({ certId, annotationId: waiting.annotationId }), JSON.stringify({ certId, annotationId: done.annotationId }), 'garbage body 7f3a']) {
      await sqs().send(new SendMessageCommand({ QueueUrl: stack.target.deadLetterQueueUrl, MessageBody: body }));
    }
    await new Promise((r) => setTimeout(r, 1500));

    // Act
    const listed = await runCli(['dlq', 'list', '--json', '--data-dir', stack.dataDir]);
    const text = await runCli(['dlq', 'list', '--data-dir', stack.dataDir]);

    // Assess: still there, the annotation still PENDING; three entries, each with its state and reason.
    expect(listed.code, listed.stderr).toBe(0);
    const report = JSON.parse(listed.stdout) as { depth: { visible: number }; entries: Array<Record<string, unknown>> };
    expect(report.depth.visible).toBe(3);
    const byState = Object.fromEntries(report.entries.map((e) => [e.state, e]));
    expect(byState.waiting).toMatchObject({
      certId,
      annotationId: waiting.annotationId,
      annotationStatus: 'PENDING',
      appliedAt: waiting.appliedAt,
      renderAttempts: 5,
      lastFailure: 'ServiceUnavailable',
    });
    expect(String(byState.waiting!.reason)).toContain('ServiceUnavailable');
    expect(byState.done).toMatchObject({ annotationId: done.annotationId, annotationStatus: 'READY' });
    expect(byState.unreadable).not.toHaveProperty('certId');
    expect(text.stdout.split('\n').filter(Boolean)).toHaveLength(3);
    for (const output of [listed.stdout, text.stdout, text.stderr]) {
      expect(output).not.toContain(record.idNumber);
      expect(output).not.toContain(record.holderName);
      expect(output).not.toContain('garbage body 7f3a');
    }
    expect((await getAnnotation(certId, waiting.annotationId, { consistent: true }))!.status).toBe('PENDING');
    // Listing hands every message back.
    expect(await depth(stack.target.deadLetterQueueUrl)).toBe(3);

    // Act: redrive, following the move to its end.
    const redrive = await runCli(['dlq', 'redrive', '--wait', '--data-dir', stack.dataDir]);

    // Assess: everything is back on the render queue (no consumer in this stack), the DLQ is empty.
    expect(redrive.code, redrive.stderr).toBe(0);
    expect(redrive.stdout).toMatch(/redrive COMPLETED: 3 message\(s\) moved/);
    const moved = await drain(stack.target.queueUrl);
    expect(moved).toHaveLength(3);
    expect(moved).toContainEqual({ certId, annotationId: waiting.annotationId });
    expect(await depth(stack.target.deadLetterQueueUrl)).toBe(0);
  });

  it('refuses an unknown subcommand with a usage error', async () => {
    const result = await runCli(['dlq', 'purge', '--data-dir', stack.dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown subcommand 'purge'");
  });
});
