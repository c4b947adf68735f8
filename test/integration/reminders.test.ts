import { randomInt } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ddb } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';
import { getSecret } from '../../shared/config/secrets';
import { markAnnotationReady } from '../../shared/repository/annotations';
import { getCertificate, revokeCertificate, upsertCertificate } from '../../shared/repository/certificates';
import { applyForAnnotation } from '../../shared/services/annotations-apply';
import { contactAttributes } from '../../shared/repository/holder-contacts';
import { dueReminders, putReminders, reminderItems } from '../../shared/repository/reminders';
import { readyHolder } from '../support/holder-client';
import { FUNCTIONS, type FunctionDecl } from '../../shared/resources/functions';
import { keys } from '../../shared/resources/table';
import { certificateRecord } from '../support/factories';
import { startTestStack, type TestStack } from '../support/local-stack';

/**
 * The reminder job as the runtime's scheduler runs it (the same handler the stack schedules hourly): a due reminder
 * of a READY annotation reaches the holder's verified contact; after revocation, or once expired, nothing goes out.
 */
let stack: TestStack;
const DAY = 86_400_000;
// No render consumer: the test moves annotations to READY itself.
const functions = Object.fromEntries(
  Object.entries(FUNCTIONS as Record<string, FunctionDecl>).filter(([, fn]) => fn.trigger?.type !== 'queue'),
);

beforeAll(async () => {
  stack = await startTestStack({ functions, queueConsumers: false });
});
afterAll(async () => {
  await stack?.stop();
});

interface OutboxMessage {
  to: string;
  channel: string;
  text: string;
}

/** A certificate with a READY annotation of `holderId` (whose verified contact is `mobile`), and one due reminder. */
async function readyAnnotationWithDueReminder(mobile: string, validDays = 10) {
  const record = certificateRecord();
  await upsertCertificate(record, await getSecret('idHashKey'));
  const holderId = `holder-${randomInt(1e9)}`;
  const attributes = Object.entries(contactAttributes({ channel: 'SMS', address: mobile }, new Date()));
  await ddb().send(
    new UpdateCommand({
      TableName: process.env[ENV.tableName],
      Key: keys.holder(holderId),
      UpdateExpression: `SET ${attributes.map((_, i) => `#n${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(attributes.map(([name], i) => [`#n${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(attributes.map(([, value], i) => [`:v${i}`, value])),
    }),
  );
  const applied = await applyForAnnotation({
    certificate: (await getCertificate(record.certId, { consistent: true }))!,
    holderId,
    scenario: 'SELF_USE',
    validDays,
    now: new Date(Date.now() - (validDays - 7) * DAY - 60_000),
  });
  await markAnnotationReady(applied.annotation, {
    objectKey: `annotations/${record.certId}/${applied.annotation.annotationId}.pdf`,
    documentSha256: '0'.repeat(64),
    documentSize: 1,
    renderedAt: new Date().toISOString(),
  });
  const { validUntil } = applied.annotation;
  await putReminders(
    reminderItems({ certId: record.certId, annotationId: applied.annotation.annotationId, holderId, validUntil }, [
      { daysBefore: 7, dueAt: new Date(Date.parse(validUntil) - 7 * DAY) },
    ]),
  );
  return { record, annotation: applied.annotation };
}

const sentTo = async (mobile: string) =>
  ((await (await stack.api('/dev/outbox')).json()) as OutboxMessage[]).filter((m) => m.to === mobile);

describe('expiry reminders', () => {
  it('are planned 7 and 1 days before validUntil when the holder applies with remind: true', async () => {
    // Prepare
    const record = certificateRecord({ issuedAt: '2024-03-01' });
    await upsertCertificate(record, await getSecret('idHashKey'));
    const holder = await readyHolder(stack, { name: record.holderName, idNumber: record.idNumber });

    // Act
    const applied = await holder.post(`/v1/certificates/${record.certId}/annotations`, { scenario: 'SELF_USE', validDays: 30, remind: true });
    const annotation = (await applied.json()) as { annotationId: string; validUntil: string; remind: boolean };
    const listed = (await (await holder.get(`/v1/certificates/${record.certId}/annotations`)).json()) as { items: Array<{ remind: boolean }> };
    const dueAround = (daysBefore: number) => dueReminders(new Date(Date.parse(annotation.validUntil) - daysBefore * DAY + 60_000));
    const due = [...(await dueAround(7)), ...(await dueAround(1))];

    // Assess: planned with the annotation, and the holder's views say so.
    expect(applied.status).toBe(202);
    expect(annotation.remind).toBe(true);
    expect(listed.items.map((item) => item.remind)).toEqual([true]);
    expect([...new Set(due.filter((r) => r.annotationId === annotation.annotationId).map((r) => r.daysBefore))].sort()).toEqual([1, 7]);
  });

  it('are not planned, and the views say so, when the holder applies without remind', async () => {
    // Prepare
    const record = certificateRecord({ issuedAt: '2024-03-01' });
    await upsertCertificate(record, await getSecret('idHashKey'));
    const holder = await readyHolder(stack, { name: record.holderName, idNumber: record.idNumber });

    // Act
    const applied = await holder.post(`/v1/certificates/${record.certId}/annotations`, { scenario: 'SELF_USE', validDays: 30 });
    const annotation = (await applied.json()) as { annotationId: string; validUntil: string; remind: boolean };
    const dueAround = (daysBefore: number) => dueReminders(new Date(Date.parse(annotation.validUntil) - daysBefore * DAY + 60_000));
    const due = [...(await dueAround(7)), ...(await dueAround(1))];

    // Assess
    expect(applied.status).toBe(202);
    expect(annotation.remind).toBe(false);
    expect(due.filter((r) => r.annotationId === annotation.annotationId)).toEqual([]);
  });

  it('reach the verified contact of a READY annotation when due, once', async () => {
    // Prepare
    const mobile = `+86137${randomInt(10_000_000, 99_999_999)}`;
    const { record } = await readyAnnotationWithDueReminder(mobile);

    // Act
    const first = (await stack.runScheduled('Reminders')) as { sent: number };
    await stack.runScheduled('Reminders');

    // Assess
    expect(first.sent).toBeGreaterThanOrEqual(1);
    const messages = await sentTo(mobile);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ channel: 'SMS' });
    expect(messages[0]!.text).toContain(record.certId);
    expect(messages[0]!.text).toContain('到期');
    expect(messages[0]!.text).not.toContain(record.idNumber);
  });

  it('are not sent after the certificate is revoked', async () => {
    // Prepare
    const mobile = `+86136${randomInt(10_000_000, 99_999_999)}`;
    const { record } = await readyAnnotationWithDueReminder(mobile);
    await revokeCertificate(record.certId, '测试撤销');

    // Act
    await stack.runScheduled('Reminders');

    // Assess
    expect(await sentTo(mobile)).toEqual([]);
  });
});
