import { createHash } from 'node:crypto';

/**
 * Expiry reminders (issue 11 §10): opt-in per annotation, a message to the holder's verified contact a number of days
 * before the annotation's validUntil (default 7 and 1), and none once the certificate is revoked or the annotation is
 * no longer READY and inside its window. Whether a reminder is still due is decided at sending time, from live state,
 * so a revocation needs no clean-up of scheduled reminders.
 */
export const DEFAULT_REMINDER_DAYS: readonly number[] = [7, 1];
export const REMINDER_DAYS_ENV = 'ECERT_REMINDER_DAYS';
const DAY_MS = 86_400_000;

/** `7,1` → [7, 1]; anything unusable falls back to the default (a typo must not silence reminders). */
export function parseReminderDays(raw: string | undefined): readonly number[] {
  if (!raw || !raw.trim()) return DEFAULT_REMINDER_DAYS;
  const days = raw.split(',').map((part) => Number(part.trim()));
  if (days.some((d) => !Number.isInteger(d) || d < 1 || d > 90)) return DEFAULT_REMINDER_DAYS;
  return [...new Set(days)].sort((a, b) => b - a);
}

export interface PlannedReminder {
  daysBefore: number;
  dueAt: Date;
}

/** The reminders of an annotation applied at `appliedAt`: those falling before its validity starts are skipped. */
export function planReminders(validFrom: Date, validUntil: Date, days: readonly number[]): PlannedReminder[] {
  return days
    .map((daysBefore) => ({ daysBefore, dueAt: new Date(validUntil.getTime() - daysBefore * DAY_MS) }))
    .filter((reminder) => reminder.dueAt.getTime() > validFrom.getTime());
}

/**
 * Reminders live in day partitions (REMIND#<yyyy-mm-dd>#<shard>), read by a job that queries the partitions of the
 * last few days. Shards spread one busy day over several partitions; the shard is a hash of the annotation id.
 */
export const REMINDER_SHARDS = 8;
/** A reminder more than this late is dropped: "expires in 7 days" sent 3 days late would mislead. */
export const REMINDER_LOOKBACK_DAYS = 2;

export const reminderDay = (dueAt: Date): string => dueAt.toISOString().slice(0, 10);

export function reminderShard(annotationId: string): number {
  return createHash('sha256').update(annotationId).digest()[0]! % REMINDER_SHARDS;
}

/** The day partitions the job reads at `now`, oldest first. */
export function daysToScan(now: Date): string[] {
  const days: string[] = [];
  for (let back = REMINDER_LOOKBACK_DAYS; back >= 0; back--) days.push(reminderDay(new Date(now.getTime() - back * DAY_MS)));
  return days;
}

export type ReminderVerdict = { send: true } | { send: false; why: 'REVOKED' | 'NOT_READY' | 'EXPIRED' | 'TOO_LATE' | 'NO_CONTACT' };

/** Decides at sending time from live state whether a due reminder still goes out. */
export function reminderVerdict(input: {
  now: Date;
  dueAt: Date;
  certificateStatus: 'VALID' | 'REVOKED' | undefined;
  annotationStatus: 'PENDING' | 'READY' | 'FAILED' | undefined;
  validUntil: Date;
  hasContact: boolean;
}): ReminderVerdict {
  if (input.certificateStatus !== 'VALID') return { send: false, why: 'REVOKED' };
  if (input.annotationStatus !== 'READY') return { send: false, why: 'NOT_READY' };
  if (input.now.getTime() >= input.validUntil.getTime()) return { send: false, why: 'EXPIRED' };
  if (input.now.getTime() - input.dueAt.getTime() > REMINDER_LOOKBACK_DAYS * DAY_MS) return { send: false, why: 'TOO_LATE' };
  if (!input.hasContact) return { send: false, why: 'NO_CONTACT' };
  return { send: true };
}
