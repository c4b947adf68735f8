import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_MAX_TRIES } from '../../shared/domain/one-time-code';
import { markChallengeUsed } from '../../shared/repository/challenges';
import { consumeCode, putCode, reserveCodeTry } from '../../shared/repository/one-time-codes';
import { claimAttempt, forgetSourceFailures, getSourceRecord } from '../../shared/repository/password-attempts';
import { claimReminder, dueReminders, putReminders, reminderItems, removeReminder } from '../../shared/repository/reminders';
import { countInWindow, refundInWindow } from '../../shared/repository/windowed-counters';
import { planReminders } from '../../shared/domain/reminders';
import { startTestStack, type TestStack } from '../support/local-stack';

/**
 * The account repositories against DynamoDB Local: every limit holds under concurrency (conditional writes, no
 * read-then-write), codes are single use, reminders are found when due and claimed once.
 */
let stack: TestStack;
const HOUR = { limit: 10, windowSeconds: 3600 };
const unique = () => randomBytes(6).toString('hex');

beforeAll(async () => {
  stack = await startTestStack({ queueConsumers: false });
});
afterAll(async () => {
  await stack?.stop();
});

describe('countInWindow', () => {
  it('lets exactly 10 of 30 concurrent events through, and the rest wait for the window', async () => {
    // Prepare
    const counter = { name: 'test', subject: unique() };
    const now = new Date();

    // Act
    const decisions = await Promise.all(Array.from({ length: 30 }, () => countInWindow(counter, HOUR, now)));

    // Assess
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused).toHaveLength(20);
    for (const d of refused) if (!d.allowed) expect(d.retryAfterSeconds).toBeGreaterThan(3500);
  });

  it('starts a new window once the hour since its first event has passed', async () => {
    // Prepare
    const counter = { name: 'test', subject: unique() };
    const start = new Date();
    for (let i = 0; i < 10; i++) await countInWindow(counter, HOUR, start);

    // Act
    const within = await countInWindow(counter, HOUR, new Date(start.getTime() + 3599_000));
    const after = await countInWindow(counter, HOUR, new Date(start.getTime() + 3600_000));

    // Assess
    expect(within.allowed).toBe(false);
    expect(after).toMatchObject({ allowed: true, state: { count: 1 } });
  });

  it('gives back a refunded event', async () => {
    // Prepare
    const counter = { name: 'test', subject: unique() };
    const now = new Date();
    let last;
    for (let i = 0; i < 10; i++) last = await countInWindow(counter, HOUR, now);

    // Act
    await refundInWindow(counter, last!.state);
    const again = await countInWindow(counter, HOUR, now);
    const over = await countInWindow(counter, HOUR, now);

    // Assess
    expect(again.allowed).toBe(true);
    expect(over.allowed).toBe(false);
  });
});

describe('one-time codes', () => {
  const scope = () => ({ purpose: 'REGISTER', idType: 'RESIDENT_ID', idHash: unique() }) as const;

  it('can be tried at most 5 times, however many guesses arrive at once', async () => {
    // Prepare
    const s = scope();
    const now = new Date();
    await putCode({ scope: s, kind: 'VERIFICATION', digest: 'ab'.repeat(32), expiresAt: new Date(now.getTime() + 600_000), now });

    // Act
    const tries = await Promise.all(Array.from({ length: 12 }, () => reserveCodeTry(s, now)));

    // Assess
    expect(tries.filter(Boolean)).toHaveLength(CODE_MAX_TRIES);
  });

  it('cannot be tried once expired', async () => {
    // Prepare
    const s = scope();
    const now = new Date();
    await putCode({ scope: s, kind: 'VERIFICATION', digest: 'ab'.repeat(32), expiresAt: new Date(now.getTime() + 600_000), now });

    // Act / Assess
    expect(await reserveCodeTry(s, new Date(now.getTime() + 600_000))).toBeUndefined();
  });

  it('are used once: of two requests racing with the right code, one wins', async () => {
    // Prepare
    const s = scope();
    const now = new Date();
    const contact = { channel: 'SMS', address: '+8613800000000' } as const;
    await putCode({ scope: s, kind: 'VERIFICATION', digest: 'cd'.repeat(32), expiresAt: new Date(now.getTime() + 600_000), now, sentTo: { destination: 'GIVEN', contact } });
    const [a, b] = await Promise.all([reserveCodeTry(s, now), reserveCodeTry(s, now)]);

    // Act
    const used = await Promise.all([consumeCode(a!), consumeCode(b!)]);

    // Assess
    expect(a!.sentTo).toEqual({ destination: 'GIVEN', contact });
    expect(used.sort()).toEqual([false, true]);
    expect(await reserveCodeTry(s, now)).toBeUndefined();
  });

  it('a new code replaces the old one, which then cannot be used', async () => {
    // Prepare
    const s = scope();
    const now = new Date();
    await putCode({ scope: s, kind: 'VERIFICATION', digest: '01'.repeat(32), expiresAt: new Date(now.getTime() + 600_000), now });
    const old = await reserveCodeTry(s, now);
    await putCode({ scope: s, kind: 'VERIFICATION', digest: '02'.repeat(32), expiresAt: new Date(now.getTime() + 600_000), now });

    // Act / Assess
    expect(await consumeCode(old!)).toBe(false);
    expect((await reserveCodeTry(s, now))?.digest).toBe('02'.repeat(32));
  });
});

describe('password attempts per source', () => {
  it('serialise concurrent tries of one source: one claim wins, the others are told to wait', async () => {
    // Prepare
    const scope = { idType: 'RESIDENT_ID', idHash: unique(), sourceHash: unique() } as const;
    const now = new Date();

    // Act
    const claims = await Promise.all(Array.from({ length: 10 }, () => claimAttempt(scope, undefined, now)));

    // Assess
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    expect(await getSourceRecord(scope)).toMatchObject({ failures: 1 });
  });

  it('count failures up, earn the delay, and forget them after a success', async () => {
    // Prepare
    const scope = { idType: 'RESIDENT_ID', idHash: unique(), sourceHash: unique() } as const;
    let at = Date.now();
    for (let i = 0; i < 4; i++) {
      const current = await getSourceRecord(scope);
      expect((await claimAttempt(scope, current, new Date(at))).claimed).toBe(true);
      at += 1;
    }
    const afterFour = await getSourceRecord(scope);

    // Act
    const tooSoon = await claimAttempt(scope, afterFour, new Date(at));
    const later = await claimAttempt(scope, afterFour, new Date(afterFour!.notBefore));
    await forgetSourceFailures(scope, later.failures);

    // Assess
    expect(afterFour).toMatchObject({ failures: 4 });
    expect(afterFour!.notBefore - afterFour!.lastAt).toBe(2000);
    expect(tooSoon.claimed).toBe(false);
    expect(later).toEqual({ claimed: true, failures: 5 });
    expect(await getSourceRecord(scope)).toBeUndefined();
  });
});

describe('proof-of-work solutions', () => {
  it('are accepted once', async () => {
    // Prepare
    const id = unique();
    const expires = new Date(Date.now() + 600_000);

    // Act
    const results = await Promise.all([markChallengeUsed(id, expires), markChallengeUsed(id, expires), markChallengeUsed(id, expires)]);

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe('reminders', () => {
  it('are found once due, claimed by one sender, and gone when removed', async () => {
    // Prepare
    const DAY = 86_400_000;
    const now = new Date();
    const annotationId = `01TEST${unique().toUpperCase()}`;
    const validFrom = new Date(now.getTime() - 25 * DAY);
    const validUntil = new Date(now.getTime() + 7 * DAY - 60_000);
    const plan = planReminders(validFrom, validUntil, [7, 1]);
    await putReminders(reminderItems({ certId: 'TCERT1', annotationId, holderId: 'h1', validUntil: validUntil.toISOString() }, plan));

    // Act
    const due = (await dueReminders(now)).filter((r) => r.annotationId === annotationId);
    const claims = await Promise.all([claimReminder(due[0]!, now), claimReminder(due[0]!, now)]);
    await removeReminder(due[0]!);
    const afterwards = (await dueReminders(new Date(now.getTime() + 6 * DAY))).filter((r) => r.annotationId === annotationId);

    // Assess
    expect(due).toEqual([
      { certId: 'TCERT1', annotationId, holderId: 'h1', daysBefore: 7, dueAt: plan[0]!.dueAt.toISOString(), validUntil: validUntil.toISOString() },
    ]);
    expect(claims.sort()).toEqual([false, true]);
    expect(afterwards.map((r) => r.daysBefore)).toEqual([1]);
  });
});
