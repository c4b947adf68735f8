import { BatchGetCommand, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { markAnnotationFailed, toAnnotationItem } from '../../shared/repository/annotations';
import { keys } from '../../shared/resources/table';
import {
  ApplicationRefusedError,
  applyForAnnotation,
  MAX_APPLY_ATTEMPTS,
  openApplication,
} from '../../shared/services/annotations-apply';
import { certificate, certificateItem, holder, pendingAnnotation } from '../support/factories';
import { mockedPipelineAws } from '../support/mocked-aws';

/**
 * The apply use case (shared/services/annotations-apply.ts) and the transaction it commits, against mocked SDK
 * clients: the decisions (revoked, not required, quota, replay), the transaction's shape and its handling of lost
 * races. test/integration/annotations.test.ts runs it for real against DynamoDB Local.
 */
const HOLDER = 'holder-1';
const NOW = new Date('2026-03-01T08:00:00.000Z');
const DAY = 86_400_000;
const { ddbMock, sqsMock } = mockedPipelineAws();
const CERT = certificate({ certId: 'Z2023110500123' });
const quotaKey = keys.certificate(CERT.certId);

const canceled = (...codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const request = (extra = {}) => ({ certificate: CERT, holderId: HOLDER, scenario: 'SELF_USE', validDays: 30, now: NOW, ...extra });
const quotaItem = (slots: Record<string, string>, version: number, status = 'VALID') => ({
  ...quotaKey,
  quotaSlots: slots,
  quotaVersion: version,
  status,
});

type Item = Record<string, unknown>;
type Key = { pk: string; sk: string };
/**
 * The items the apply reads (one BatchGetItem per attempt, a GetItem for a replayed annotation), by key; a list
 * gives successive reads, the last one repeating; undefined is "no such item".
 */
function table(...entries: Array<[Key, Array<Item | undefined>]>) {
  const reads = new Map(entries.map(([key, values]) => [`${key.pk}|${key.sk}`, { values, next: 0 }]));
  const read = (key: Key) => {
    const entry = reads.get(`${key.pk}|${key.sk}`);
    if (!entry) return undefined;
    return entry.values[Math.min(entry.next++, entry.values.length - 1)];
  };
  ddbMock.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Key[] }> }) => {
    const [name, request] = Object.entries(input.RequestItems)[0]!;
    return { Responses: { [name]: request.Keys.map(read).filter(Boolean) } };
  });
  ddbMock.on(GetCommand).callsFake((input: { Key: Key }) => ({ Item: read(input.Key) }));
}

beforeEach(() => {
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm1' });
});

describe('applyForAnnotation', () => {
  it("admits the certificate's first annotation: Put in its gsi2 shard, quota on the certificate item, one message", async () => {
    // Prepare
    table([quotaKey, [quotaItem({}, 0)]]);
    ddbMock.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await applyForAnnotation(request());

    // Assess
    expect(outcome).toMatchObject({ kind: 'created', attempts: 1, annotation: { status: 'PENDING', validDays: 30 } });
    expect(outcome.annotation.validUntil).toBe(new Date(NOW.getTime() + 30 * DAY).toISOString());
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(2);
    expect(items[0]!.Put).toMatchObject({
      Item: { status: 'PENDING', gsi2pk: keys.pendingPartition(outcome.annotation.annotationId) },
      ConditionExpression: 'attribute_not_exists(#pk)',
    });
    expect(items[1]!.Update).toMatchObject({
      Key: quotaKey,
      ConditionExpression: '#status = :valid AND attribute_not_exists(#version)',
      ExpressionAttributeValues: { ':slots': { [outcome.annotation.annotationId]: NOW.toISOString() }, ':next': 1, ':valid': 'VALID' },
    });
    // Every read that decides is strongly consistent.
    for (const call of ddbMock.commandCalls(BatchGetCommand)) {
      for (const request of Object.values(call.args[0].input.RequestItems!)) expect(request.ConsistentRead).toBe(true);
    }
    const sent = sqsMock.commandCalls(SendMessageCommand).map((c) => JSON.parse(c.args[0].input.MessageBody!));
    expect(sent).toEqual([{ certId: CERT.certId, annotationId: outcome.annotation.annotationId }]);
  });

  it('refuses a revoked certificate and one issued before 2021-12-17 without reading or writing', async () => {
    const revoked = await applyForAnnotation(request({ certificate: certificate({ status: 'REVOKED' }) })).catch((e: unknown) => e);
    const legacy = await applyForAnnotation(request({ certificate: certificate({ issuedAt: '2019-06-30' }) })).catch((e: unknown) => e);
    expect(revoked).toMatchObject({ name: 'ApplicationRefusedError', code: 'CERTIFICATE_REVOKED' });
    expect(legacy).toMatchObject({ name: 'ApplicationRefusedError', code: 'ANNOTATION_NOT_REQUIRED' });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('re-reads and retries when another application moved the quota version', async () => {
    // Prepare: version 1 at the first read, 2 at the second.
    table([quotaKey, [quotaItem({ A: NOW.toISOString() }, 1), quotaItem({ A: NOW.toISOString(), B: NOW.toISOString() }, 2)]]);
    ddbMock.on(TransactWriteCommand).rejectsOnce(canceled('None', 'ConditionalCheckFailed')).resolves({});

    // Act
    const outcome = await applyForAnnotation(request());

    // Assess
    expect(outcome).toMatchObject({ kind: 'created', attempts: 2 });
    const second = ddbMock.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems![1]!.Update!;
    expect(second.ConditionExpression).toBe('#status = :valid AND #version = :seen');
    expect(second.ExpressionAttributeValues).toMatchObject({ ':seen': 2, ':next': 3 });
    expect(Object.keys(second.ExpressionAttributeValues![':slots'] as object)).toHaveLength(3);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
  });

  it('refuses a 4th live slot with the time the oldest one frees and the text the holder reads, without writing', async () => {
    // Prepare: three live slots and one outside the window (pruned, not counted).
    const oldest = NOW.getTime() - 40 * DAY;
    table([
      quotaKey,
      [
        quotaItem(
          {
            gone: new Date(NOW.getTime() - 95 * DAY).toISOString(),
            a: new Date(oldest).toISOString(),
            b: new Date(NOW.getTime() - DAY).toISOString(),
            c: NOW.toISOString(),
          },
          7,
        ),
      ],
    ]);

    // Act
    const error = (await applyForAnnotation(request()).catch((e: unknown) => e)) as ApplicationRefusedError;

    // Assess
    expect(error).toBeInstanceOf(ApplicationRefusedError);
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.quota).toMatchObject({ limit: 3, used: 3, windowDays: 90, nextAvailableAt: new Date(oldest + 90 * DAY).toISOString() });
    expect(error.detail).toBe('同一证书90天内最多可申请3次加注，下次可申请时间为2026年04月20日 16:00（北京时间）');
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('drops slots older than 90 days from the item it writes', async () => {
    table([quotaKey, [quotaItem({ gone: new Date(NOW.getTime() - 91 * DAY).toISOString(), kept: NOW.toISOString() }, 3)]]);
    ddbMock.on(TransactWriteCommand).resolves({});
    const outcome = await applyForAnnotation(request());
    const slots = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![1]!.Update!.ExpressionAttributeValues![':slots'];
    expect(Object.keys(slots as object).sort()).toEqual([outcome.annotation.annotationId, 'kept'].sort());
  });

  it('refuses a certificate revoked between the caller’s read and the transaction (the re-read sees it)', async () => {
    table([quotaKey, [quotaItem({}, 0), quotaItem({}, 0, 'REVOKED')]]);
    ddbMock.on(TransactWriteCommand).rejects(canceled('None', 'ConditionalCheckFailed'));
    await expect(applyForAnnotation(request())).rejects.toMatchObject({ code: 'CERTIFICATE_REVOKED' });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('answers a concurrent request with the same key from the record that request wrote', async () => {
    // Prepare: no record at the first read; the transaction loses on the record; the record is there now.
    const winner = pendingAnnotation({ certId: CERT.certId, holderId: HOLDER, validDays: 30 });
    const record = {
      ...keys.idempotency(HOLDER, 'k1'),
      holderId: HOLDER,
      requestHash: 'h1',
      certId: CERT.certId,
      annotationId: winner.annotationId,
      createdAt: NOW.toISOString(),
      validUntil: NOW.getTime() / 1000 + 86_400,
    };
    table(
      [keys.idempotency(HOLDER, 'k1'), [undefined, record]],
      [quotaKey, [quotaItem({}, 0)]],
      [keys.annotation(CERT.certId, winner.annotationId), [toAnnotationItem(winner)]],
    );
    ddbMock.on(TransactWriteCommand).rejects(canceled('None', 'None', 'ConditionalCheckFailed'));

    // Act
    const same = await applyForAnnotation(request({ idempotency: { key: 'k1', requestHash: 'h1' } }));
    const other = await applyForAnnotation(request({ idempotency: { key: 'k1', requestHash: 'h2' } })).catch((e: unknown) => e);

    // Assess
    expect(same).toMatchObject({ kind: 'replayed', annotation: { annotationId: winner.annotationId } });
    expect(other).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[2]!.Put).toMatchObject({
      Item: { ...keys.idempotency(HOLDER, 'k1'), requestHash: 'h1', validUntil: NOW.getTime() / 1000 + 86_400 },
    });
    expect(items[2]!.Put!.ConditionExpression).toBe('attribute_not_exists(#pk) OR #ttl <= :nowEpoch');
    // A replay sends no second message.
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('treats an expired record that TTL has not deleted yet as absent', async () => {
    const expired = { ...keys.idempotency(HOLDER, 'old'), holderId: HOLDER, requestHash: 'other', certId: CERT.certId, annotationId: 'x', createdAt: 'x', validUntil: NOW.getTime() / 1000 - 1 };
    table([keys.idempotency(HOLDER, 'old'), [expired]], [quotaKey, [quotaItem({}, 0)]]);
    ddbMock.on(TransactWriteCommand).resolves({});
    const outcome = await applyForAnnotation(request({ idempotency: { key: 'old', requestHash: 'h' } }));
    expect(outcome.kind).toBe('created');
  });

  it('accepts the application when SendMessage fails: the annotation is stored, the reconciler sends it later', async () => {
    table([quotaKey, [quotaItem({}, 0)]]);
    ddbMock.on(TransactWriteCommand).resolves({});
    sqsMock.on(SendMessageCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    await expect(applyForAnnotation(request())).resolves.toMatchObject({ kind: 'created' });
  });

  it(`gives up after ${MAX_APPLY_ATTEMPTS} lost races with APPLY_CONTENTION`, async () => {
    table([quotaKey, [quotaItem({}, 0)]]);
    ddbMock.on(TransactWriteCommand).rejects(canceled('None', 'TransactionConflict'));
    await expect(applyForAnnotation(request())).rejects.toMatchObject({ code: 'APPLY_CONTENTION' });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(MAX_APPLY_ATTEMPTS);
  });

  describe('openApplication', () => {
    const KEY = 'test-id-hash-key';
    const owner = holder({ holderId: HOLDER }, { cert: CERT, idHashKey: KEY });
    const ownItem = (slots: Record<string, string> = {}) => ({ ...certificateItem(CERT, KEY), quotaSlots: slots, quotaVersion: 0 });

    it("reads the holder's certificate with the quota in one BatchGetItem, and the first attempt decides on that read", async () => {
      // Prepare
      table([quotaKey, [ownItem()]]);
      ddbMock.on(TransactWriteCommand).resolves({});

      // Act
      const opened = await openApplication(owner, CERT.certId, undefined, NOW);
      const outcome = await applyForAnnotation({ ...request(), certificate: opened.certificate, prefetched: opened.prefetched });

      // Assess: one read in all, no GetItem of the certificate, and the application made on it.
      expect(opened.certificate).toMatchObject({ certId: CERT.certId, holderName: CERT.holderName });
      expect(outcome.kind).toBe('created');
      expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(1);
      expect(Object.values(ddbMock.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!)[0]).toMatchObject({ ConsistentRead: true });
      expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
    });

    it('reads the idempotency record in the same request when the application carries a key', async () => {
      table([quotaKey, [ownItem()]]);
      await openApplication(owner, CERT.certId, 'k-1', NOW);
      const keysRead = Object.values(ddbMock.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!)[0]!.Keys;
      expect(keysRead).toEqual([quotaKey, keys.idempotency(HOLDER, 'k-1')]);
    });

    it("answers someone else's certificate, and a missing one, as NOT_FOUND from that read", async () => {
      table([quotaKey, [ownItem()]]);
      const stranger = holder({}, { cert: certificate({ idNumber: '110101198001010011' }), idHashKey: KEY });
      await expect(openApplication(stranger, CERT.certId, undefined, NOW)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(openApplication(owner, 'Z-MISSING', undefined, NOW)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    });

    it("uses its read for this holder and key only: another holder's application reads for itself", async () => {
      // Prepare
      table([quotaKey, [ownItem()]]);
      ddbMock.on(TransactWriteCommand).resolves({});
      const opened = await openApplication(owner, CERT.certId, undefined, NOW);

      // Act
      await applyForAnnotation({ ...request({ holderId: 'holder-2' }), prefetched: opened.prefetched });

      // Assess
      expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(2);
    });
  });

  it('rethrows anything that is not a cancellation', async () => {
    table([quotaKey, [quotaItem({}, 0)]]);
    ddbMock.on(TransactWriteCommand).rejects(Object.assign(new Error('bad'), { name: 'ValidationException' }));
    await expect(applyForAnnotation(request())).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('markAnnotationFailed', () => {
  const failure = { reason: '证书已撤销', code: 'CERTIFICATE_REVOKED', attempted: true };

  it('fails the annotation, counts the attempt and frees its slot in one transaction', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    expect(await markAnnotationFailed(CERT.certId, 'A1', failure, NOW)).toBe(true);
    const [annotation, quota] = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(annotation!.Update).toMatchObject({
      Key: keys.annotation(CERT.certId, 'A1'),
      ConditionExpression: '#status = :pending',
      ExpressionAttributeValues: { ':failed': 'FAILED', ':reason': '证书已撤销', ':code': 'CERTIFICATE_REVOKED', ':one': 1 },
    });
    expect(annotation!.Update!.UpdateExpression).toContain('ADD renderAttempts :one');
    expect(annotation!.Update!.UpdateExpression).toContain('REMOVE #gpk, #gsk');
    expect(quota!.Update).toMatchObject({
      Key: quotaKey,
      UpdateExpression: 'REMOVE #slots.#id SET #version = #version + :one',
      ExpressionAttributeNames: { '#id': 'A1', '#slots': 'quotaSlots', '#version': 'quotaVersion' },
    });
  });

  it('answers false when the annotation is not PENDING (already READY or FAILED)', async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled('ConditionalCheckFailed', 'None'));
    expect(await markAnnotationFailed(CERT.certId, 'A1', failure)).toBe(false);
  });

  it('retries a conflict with a concurrent application on the certificate item', async () => {
    ddbMock.on(TransactWriteCommand).rejectsOnce(canceled('None', 'TransactionConflict')).resolves({});
    expect(await markAnnotationFailed(CERT.certId, 'A1', failure)).toBe(true);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('fails the annotation alone when its certificate item is gone (no quota left to free)', async () => {
    ddbMock.on(TransactWriteCommand).rejectsOnce(canceled('None', 'ConditionalCheckFailed')).resolves({});
    expect(await markAnnotationFailed(CERT.certId, 'A1', { ...failure, code: 'CERTIFICATE_MISSING' })).toBe(true);
    const calls = ddbMock.commandCalls(TransactWriteCommand);
    expect(calls[1]!.args[0].input.TransactItems).toHaveLength(1);
  });
});
