import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetClients } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';
import {
  ApplyContentionError,
  applyForAnnotation,
  CertificateNotAnnotatableError,
  IdempotencyKeyReusedError,
  markAnnotationFailed,
  QuotaExceededError,
  toAnnotationItem,
} from '../../shared/repository/annotations';
import { keys } from '../../shared/resources/table';

/**
 * The apply transaction's shape and its handling of cancellations (lost quota race, revoked certificate, concurrent
 * idempotency key), against a mocked document client. test/integration/annotations.test.ts runs it for real.
 */
const TABLE_NAME = 'unit-ecert';
const CERT = 'Z2023110500123';
const HOLDER = 'holder-1';
const NOW = new Date('2026-03-01T08:00:00.000Z');
const DAY = 86_400_000;
const ddbMock = mockClient(DynamoDBDocumentClient);

const canceled = (...codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const application = (extra = {}) => ({ certId: CERT, holderId: HOLDER, scenario: 'SELF_USE', validDays: 30, now: NOW, ...extra });

beforeAll(() => {
  process.env[ENV.tableName] = TABLE_NAME;
  resetClients();
});
afterAll(() => {
  ddbMock.restore();
  delete process.env[ENV.tableName];
});
beforeEach(() => ddbMock.reset());

describe('applyForAnnotation', () => {
  it('creates the quota item with the first annotation: Put, Update (attribute_not_exists), ConditionCheck VALID', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await applyForAnnotation(application());

    // Assess
    expect(outcome).toMatchObject({ kind: 'created', attempts: 1, annotation: { status: 'PENDING', validDays: 30 } });
    expect(outcome.annotation.validUntil).toBe(new Date(NOW.getTime() + 30 * DAY).toISOString());
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(3);
    expect(items[0]!.Put).toMatchObject({ Item: { status: 'PENDING', gsi2pk: 'PENDING' }, ConditionExpression: 'attribute_not_exists(#pk)' });
    expect(items[1]!.Update).toMatchObject({ Key: keys.quota(CERT), ConditionExpression: 'attribute_not_exists(#pk)' });
    expect(items[1]!.Update!.ExpressionAttributeValues).toMatchObject({
      ':slots': { [outcome.annotation.annotationId]: NOW.toISOString() },
      ':next': 1,
    });
    expect(items[2]!.ConditionCheck).toMatchObject({ Key: keys.certificate(CERT), ExpressionAttributeValues: { ':valid': 'VALID' } });
    // Every read that decides is strongly consistent.
    for (const call of ddbMock.commandCalls(GetCommand)) expect(call.args[0].input.ConsistentRead).toBe(true);
  });

  it('re-reads the quota and retries when another application moved its version', async () => {
    // Prepare: version 1 at the first read, 2 at the second.
    ddbMock
      .on(GetCommand, { Key: keys.quota(CERT) })
      .resolvesOnce({ Item: { slots: { A: NOW.toISOString() }, version: 1 } })
      .resolves({ Item: { slots: { A: NOW.toISOString(), B: NOW.toISOString() }, version: 2 } });
    ddbMock.on(TransactWriteCommand).rejectsOnce(canceled('None', 'ConditionalCheckFailed', 'None')).resolves({});

    // Act
    const outcome = await applyForAnnotation(application());

    // Assess
    expect(outcome).toMatchObject({ kind: 'created', attempts: 2 });
    const second = ddbMock.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems![1]!.Update!;
    expect(second.ConditionExpression).toBe('#version = :seen');
    expect(second.ExpressionAttributeValues).toMatchObject({ ':seen': 2, ':next': 3 });
    expect(Object.keys(second.ExpressionAttributeValues![':slots'] as object)).toHaveLength(3);
  });

  it('refuses a 4th live slot with the time the oldest one frees, without writing', async () => {
    // Prepare: three live slots and one outside the window (pruned, not counted).
    const oldest = NOW.getTime() - 40 * DAY;
    ddbMock.on(GetCommand, { Key: keys.quota(CERT) }).resolves({
      Item: {
        version: 7,
        slots: {
          gone: new Date(NOW.getTime() - 95 * DAY).toISOString(),
          a: new Date(oldest).toISOString(),
          b: new Date(NOW.getTime() - DAY).toISOString(),
          c: NOW.toISOString(),
        },
      },
    });

    // Act
    const error = await applyForAnnotation(application()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).quota).toEqual({
      limit: 3,
      used: 3,
      windowDays: 90,
      remaining: 0,
      canApply: false,
      nextAvailableAt: new Date(oldest + 90 * DAY).toISOString(),
      oldestSlotFreesAt: new Date(oldest + 90 * DAY).toISOString(),
    });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('drops slots older than 90 days from the item it writes', async () => {
    ddbMock.on(GetCommand, { Key: keys.quota(CERT) }).resolves({
      Item: { version: 3, slots: { gone: new Date(NOW.getTime() - 91 * DAY).toISOString(), kept: NOW.toISOString() } },
    });
    ddbMock.on(TransactWriteCommand).resolves({});
    const outcome = await applyForAnnotation(application());
    const slots = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![1]!.Update!.ExpressionAttributeValues![':slots'];
    expect(Object.keys(slots as object).sort()).toEqual([outcome.annotation.annotationId, 'kept'].sort());
  });

  it('turns a failed certificate check (revoked meanwhile) into CertificateNotAnnotatableError', async () => {
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).rejects(canceled('None', 'None', 'ConditionalCheckFailed'));
    await expect(applyForAnnotation(application())).rejects.toBeInstanceOf(CertificateNotAnnotatableError);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('answers a concurrent request with the same key from the record that request wrote', async () => {
    // Prepare: no record at the first read; the transaction loses on the record; the record is there now.
    const winner = toAnnotationItem({
      annotationId: '01JNKQ8X7Z5V3W2Y1T0S9R8Q7P',
      certId: CERT,
      holderId: HOLDER,
      scenario: 'SELF_USE',
      validDays: 30,
      appliedAt: NOW.toISOString(),
      validFrom: NOW.toISOString(),
      validUntil: new Date(NOW.getTime() + 30 * DAY).toISOString(),
      status: 'PENDING',
      verificationCode: 'abcdefghijklmnopqrstuvwx',
    });
    const record = {
      holderId: HOLDER,
      requestHash: 'h1',
      certId: CERT,
      annotationId: winner.annotationId,
      createdAt: NOW.toISOString(),
      validUntil: NOW.getTime() / 1000 + 86_400,
    };
    ddbMock.on(GetCommand, { Key: keys.idempotency(HOLDER, 'k1') }).resolvesOnce({}).resolves({ Item: record });
    ddbMock.on(GetCommand, { Key: keys.quota(CERT) }).resolves({});
    ddbMock.on(GetCommand, { Key: keys.annotation(CERT, winner.annotationId as string) }).resolves({ Item: winner });
    ddbMock.on(TransactWriteCommand).rejects(canceled('None', 'None', 'None', 'ConditionalCheckFailed'));

    // Act
    const same = await applyForAnnotation(application({ idempotency: { key: 'k1', requestHash: 'h1' } }));
    const other = await applyForAnnotation(application({ idempotency: { key: 'k1', requestHash: 'h2' } })).catch((e: unknown) => e);

    // Assess
    expect(same).toMatchObject({ kind: 'replayed', annotation: { annotationId: winner.annotationId } });
    expect(other).toBeInstanceOf(IdempotencyKeyReusedError);
    const items = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[3]!.Put).toMatchObject({
      Item: { ...keys.idempotency(HOLDER, 'k1'), requestHash: 'h1', validUntil: NOW.getTime() / 1000 + 86_400 },
    });
    expect(items[3]!.Put!.ConditionExpression).toBe('attribute_not_exists(#pk) OR #ttl <= :nowEpoch');
  });

  it('treats an expired record that TTL has not deleted yet as absent', async () => {
    ddbMock.on(GetCommand, { Key: keys.idempotency(HOLDER, 'old') }).resolves({
      Item: { requestHash: 'other', certId: CERT, annotationId: 'x', validUntil: NOW.getTime() / 1000 - 1 },
    });
    ddbMock.on(GetCommand, { Key: keys.quota(CERT) }).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});
    const outcome = await applyForAnnotation(application({ idempotency: { key: 'old', requestHash: 'h' } }));
    expect(outcome.kind).toBe('created');
  });

  it('gives up after 10 lost races with ApplyContentionError', async () => {
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).rejects(canceled('None', 'TransactionConflict', 'None'));
    await expect(applyForAnnotation(application())).rejects.toBeInstanceOf(ApplyContentionError);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(10);
  });

  it('rethrows anything that is not a cancellation', async () => {
    ddbMock.on(GetCommand).resolves({});
    ddbMock.on(TransactWriteCommand).rejects(Object.assign(new Error('bad'), { name: 'ValidationException' }));
    await expect(applyForAnnotation(application())).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('markAnnotationFailed', () => {
  it('fails the annotation and frees its slot in one transaction', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    expect(await markAnnotationFailed(CERT, 'A1', 'reason', NOW)).toBe(true);
    const [annotation, quota] = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(annotation!.Update).toMatchObject({
      Key: keys.annotation(CERT, 'A1'),
      ConditionExpression: '#status = :pending',
      ExpressionAttributeValues: { ':failed': 'FAILED', ':reason': 'reason' },
    });
    expect(annotation!.Update!.UpdateExpression).toContain('REMOVE #gpk, #gsk');
    expect(quota!.Update).toMatchObject({
      Key: keys.quota(CERT),
      UpdateExpression: 'REMOVE #slots.#id SET #version = #version + :one, updatedAt = :at',
      ExpressionAttributeNames: { '#id': 'A1' },
    });
  });

  it('answers false when the annotation is not PENDING (duplicate dead letter, already READY)', async () => {
    ddbMock.on(TransactWriteCommand).rejects(canceled('ConditionalCheckFailed', 'None'));
    expect(await markAnnotationFailed(CERT, 'A1', 'reason')).toBe(false);
  });

  it('retries a conflict with a concurrent application on the quota item', async () => {
    ddbMock.on(TransactWriteCommand).rejectsOnce(canceled('None', 'TransactionConflict')).resolves({});
    expect(await markAnnotationFailed(CERT, 'A1', 'reason')).toBe(true);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });
});
