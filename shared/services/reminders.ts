import { qualificationOf } from '../domain/certificate';
import { reminderMessage } from '../domain/messages';
import { parseReminderDays, planReminders, reminderVerdict } from '../domain/reminders';
import { ENV } from '../config/env';
import { sendMessage } from '../messaging/send';
import { logger } from '../observability';
import { getAnnotation } from '../repository/annotations';
import { getCertificate } from '../repository/certificates';
import { getVerifiedContact } from '../repository/holder-contacts';
import type { Item } from '../repository/item-codec';
import { claimReminder, dueReminders, reminderItems, removeReminder, type Reminder } from '../repository/reminders';

/**
 * The reminder run (scheduled hourly; locally by the runtime's scheduler): every reminder due by now in the day
 * partitions still worth reading is claimed, checked against live state — certificate VALID, annotation READY and
 * inside its window, a verified contact — and sent or dropped. Claims make overlapping runs send each one once.
 */
export interface ReminderRunSummary {
  due: number;
  sent: number;
  dropped: number;
  skipped: number;
  errors: number;
}

export async function sendDueReminders(now: Date = new Date()): Promise<ReminderRunSummary> {
  const due = await dueReminders(now);
  const summary: ReminderRunSummary = { due: due.length, sent: 0, dropped: 0, skipped: 0, errors: 0 };
  for (const reminder of due) {
    try {
      await handle(reminder, now, summary);
    } catch (error) {
      summary.errors++;
      // Left claimed: a later run takes it again once the claim is stale.
      logger.warn('reminder not sent', { annotationId: reminder.annotationId, errorName: (error as Error).name });
    }
  }
  logger.info('reminder run', { ...summary });
  return summary;
}

async function handle(reminder: Reminder, now: Date, summary: ReminderRunSummary): Promise<void> {
  if (!(await claimReminder(reminder, now))) {
    summary.skipped++;
    return;
  }
  const [certificate, annotation, contact] = await Promise.all([
    getCertificate(reminder.certId, { consistent: true }),
    getAnnotation(reminder.certId, reminder.annotationId, { consistent: true }),
    getVerifiedContact(reminder.holderId),
  ]);
  const verdict = reminderVerdict({
    now,
    dueAt: new Date(reminder.dueAt),
    certificateStatus: certificate?.status,
    annotationStatus: annotation?.status,
    validUntil: new Date(annotation?.validUntil ?? reminder.validUntil),
    hasContact: contact !== undefined,
  });
  if (verdict.send && certificate && contact) {
    await sendMessage(
      contact,
      reminderMessage({
        certId: certificate.certId,
        qualificationName: qualificationOf(certificate).name,
        validUntil: new Date(annotation?.validUntil ?? reminder.validUntil),
        daysBefore: reminder.daysBefore,
      }),
    );
    summary.sent++;
  } else {
    summary.dropped++;
    logger.info('reminder dropped', { annotationId: reminder.annotationId, why: verdict.send ? 'NO_CONTACT' : verdict.why });
  }
  await removeReminder(reminder);
}

/**
 * `remind: true` on apply: the annotation's reminders as planned (ECERT_REMINDER_DAYS, default 7 and 1), as items the
 * apply transaction stores with the annotation — so an annotation that asked for reminders always has them.
 */
export function annotationReminderItems(annotation: {
  certId: string;
  annotationId: string;
  holderId: string;
  validFrom: string;
  validUntil: string;
}): Item[] {
  const plan = planReminders(new Date(annotation.validFrom), new Date(annotation.validUntil), parseReminderDays(process.env[ENV.reminderDays]));
  return reminderItems(annotation, plan);
}
