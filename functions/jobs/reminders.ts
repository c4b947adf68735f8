import { lambdaHandler } from '../../shared/observability';
import { sendDueReminders } from '../../shared/services/reminders';

/** Expiry reminders, scheduled hourly (shared/resources/functions.ts); docs/accounts.md says why a query, not Scheduler. */
export const handler = lambdaHandler(async () => sendDueReminders(new Date()));
