import { lambdaHandler } from '../../shared/observability';
import { reconcile, type ReconcileSummary } from '../../shared/services/annotations-reconcile';

/**
 * Scheduled every 5 minutes (shared/resources/functions.ts): re-sends the render message of PENDING annotations that
 * have waited too long with no sign of a message (shared/services/annotations-reconcile.ts). Never fails one.
 */
export const handler = lambdaHandler(async (): Promise<ReconcileSummary> => reconcile());
