import type { DynamoDBStreamEvent } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { lambdaHandler, logger, metrics } from '../../shared/observability';
import { bucketOf, latencyBin, transitionsOf } from '../../shared/domain/report';
import { CounterBatch, qualificationsOf } from '../../shared/repository/report-counters';
import { toTableChange } from './audit-trail';

/**
 * Annotation changes from the table's stream → the report's hourly counters per qualification (applied, ready,
 * failed, the apply → READY histogram) and the same figures as CloudWatch metrics for the dashboard. One transaction
 * per batch (per 100 buckets), idempotent for a retried batch.
 */
const METRIC = { applied: 'AnnotationsApplied', ready: 'AnnotationsReady', failed: 'AnnotationsFailed' } as const;

export const handler = lambdaHandler(async (event: DynamoDBStreamEvent) => {
  const changes = event.Records.map(toTableChange);
  const transitions = changes.flatMap((change) =>
    transitionsOf(change.oldImage, change.newImage, change.at).map((t) => ({ ...t, certId: String(change.newImage?.certId ?? '') })),
  );
  if (transitions.length === 0) return {};
  const qualifications = await qualificationsOf([...new Set(transitions.map((t) => t.certId))]);
  const batch = new CounterBatch();
  const perQualification = new Map<string, { applied: number; ready: number; failed: number; latencies: number[] }>();
  for (const t of transitions) {
    const qualificationCode = qualifications.get(t.certId) ?? 'UNKNOWN';
    batch.add({ ...bucketOf(t.at), qualificationCode }, (counters) => {
      counters[t.transition]++;
      if (t.latencyMs !== undefined) counters.latency[latencyBin(t.latencyMs)] = (counters.latency[latencyBin(t.latencyMs)] ?? 0) + 1;
    });
    const m = perQualification.get(qualificationCode) ?? { applied: 0, ready: 0, failed: 0, latencies: [] };
    m[t.transition]++;
    if (t.latencyMs !== undefined) m.latencies.push(t.latencyMs);
    perQualification.set(qualificationCode, m);
  }
  const first = event.Records[0]?.dynamodb?.SequenceNumber ?? '';
  const last = event.Records.at(-1)?.dynamodb?.SequenceNumber ?? '';
  await batch.flush(`${first}-${last}`);
  for (const [qualification, m] of perQualification) {
    const single = metrics.singleMetric();
    single.addDimension('qualification', qualification);
    for (const name of ['applied', 'ready', 'failed'] as const) if (m[name]) single.addMetric(METRIC[name], MetricUnit.Count, m[name]);
    for (const ms of m.latencies.slice(0, 100)) single.addMetric('ApplyToReady', MetricUnit.Milliseconds, ms);
    single.publishStoredMetrics();
  }
  // The totals too (dimension `service` only), for the dashboard's all-qualification graphs and percentiles.
  const all = [...perQualification.values()];
  for (const name of ['applied', 'ready', 'failed'] as const) {
    const n = all.reduce((sum, m) => sum + m[name], 0);
    if (n) metrics.addMetric(METRIC[name], MetricUnit.Count, n);
  }
  for (const ms of all.flatMap((m) => m.latencies).slice(0, 100)) metrics.addMetric('ApplyToReady', MetricUnit.Milliseconds, ms);
  logger.info('report counters', { records: event.Records.length, transitions: transitions.length, buckets: batch.size });
  return {};
});
