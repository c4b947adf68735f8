import { describe, expect, it } from 'vitest';
import { reminderMessage } from '../../shared/domain/messages';
import {
  daysToScan,
  parseReminderDays,
  planReminders,
  REMINDER_SHARDS,
  reminderShard,
  reminderVerdict,
} from '../../shared/domain/reminders';

const DAY = 86_400_000;
const FROM = new Date('2026-12-01T08:00:00Z');

describe('planReminders', () => {
  it('plans 7 and 1 days before validUntil by default', () => {
    // Prepare
    const until = new Date(FROM.getTime() + 30 * DAY);

    // Act
    const plan = planReminders(FROM, until, parseReminderDays(undefined));

    // Assess
    expect(plan).toEqual([
      { daysBefore: 7, dueAt: new Date(until.getTime() - 7 * DAY) },
      { daysBefore: 1, dueAt: new Date(until.getTime() - DAY) },
    ]);
  });

  it('skips reminders that would fall before the annotation is valid (a 5-day annotation gets the 1-day one only)', () => {
    expect(planReminders(FROM, new Date(FROM.getTime() + 5 * DAY), [7, 1]).map((r) => r.daysBefore)).toEqual([1]);
    expect(planReminders(FROM, new Date(FROM.getTime() + DAY), [7, 1])).toEqual([]);
  });
});

describe('parseReminderDays', () => {
  it.each([
    ['3', [3]],
    ['1, 7 ,14', [14, 7, 1]],
    ['7,7,1', [7, 1]],
    ['', [7, 1]],
    ['0', [7, 1]],
    ['a,1', [7, 1]],
    ['91', [7, 1]],
  ])('reads %j as %j', (raw, days) => {
    expect(parseReminderDays(raw)).toEqual(days);
  });
});

describe('reminderVerdict', () => {
  const due = new Date('2026-12-10T08:00:00Z');
  const base = {
    now: new Date(due.getTime() + 60_000),
    dueAt: due,
    certificateStatus: 'VALID',
    annotationStatus: 'READY',
    validUntil: new Date(due.getTime() + 7 * DAY),
    hasContact: true,
  } as const;

  it('sends a due reminder of a valid, ready, unexpired annotation', () => {
    expect(reminderVerdict(base)).toEqual({ send: true });
  });

  it.each([
    ['after revocation', { certificateStatus: 'REVOKED' }, 'REVOKED'],
    ['for a certificate gone', { certificateStatus: undefined }, 'REVOKED'],
    ['for a failed render', { annotationStatus: 'FAILED' }, 'NOT_READY'],
    ['once expired', { validUntil: base.now }, 'EXPIRED'],
    ['three days late', { now: new Date(due.getTime() + 3 * DAY) }, 'TOO_LATE'],
    ['without a verified contact', { hasContact: false }, 'NO_CONTACT'],
  ] as const)('sends nothing %s', (_label, change, why) => {
    expect(reminderVerdict({ ...base, ...change })).toEqual({ send: false, why });
  });
});

describe('reminder partitions', () => {
  it('scan the last three days, oldest first', () => {
    expect(daysToScan(new Date('2026-12-03T01:00:00Z'))).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
  });

  it('spread annotations over the shards', () => {
    // Act
    const shards = new Set(Array.from({ length: 200 }, (_, i) => reminderShard(`01JANNOTATION${i}`)));

    // Assess
    expect(shards.size).toBe(REMINDER_SHARDS);
    expect([...shards].every((s) => s >= 0 && s < REMINDER_SHARDS)).toBe(true);
  });
});

describe('reminderMessage', () => {
  it('names the certificate and the expiry in Beijing time, nothing personal', () => {
    // Act
    const message = reminderMessage({
      certId: 'ZC2026000001',
      qualificationName: '经济专业技术资格',
      validUntil: new Date('2026-12-31T16:30:00Z'),
      daysBefore: 7,
    });

    // Assess
    expect(message.text).toContain('ZC2026000001');
    expect(message.text).toContain('2027年01月01日 00:30');
    expect(message.subject).toBe('加注件将于7天后到期');
  });
});
