import { Duration } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  AlarmWidget,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  type Alarm,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/observability';

export interface OperationsDashboardProps {
  /** The alarms to show (Observability's public `alarms`): their state and their metrics against the threshold. */
  readonly alarms: readonly Alarm[];
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
}

const PERIOD = Duration.minutes(5);
const service = { service: SERVICE_NAME };
const metric = (metricName: string, statistic: string, label: string) =>
  new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: service, statistic, period: PERIOD, label });
/** One series per qualification: the report counters' functions publish each figure with a `qualification` dimension. */
const perQualification = (metricName: string, label: string) =>
  new MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},qualification,service} MetricName="${metricName}"', 'Sum', 300)`,
    label,
    period: PERIOD,
  });

/**
 * Issue 13 §6: the operators' CloudWatch dashboard — the report's figures (annotations applied / READY / FAILED,
 * apply → READY p50/p99, verifications, per qualification) over time, the queues, and every alarm with its metric.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const figures: IWidget[] = [
      new GraphWidget({
        title: 'Annotations (all qualifications)',
        left: [metric('AnnotationsApplied', 'Sum', 'applied'), metric('AnnotationsReady', 'Sum', 'READY'), metric('AnnotationsFailed', 'Sum', 'FAILED')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Apply → READY (ms)',
        left: [metric('ApplyToReady', 'p50', 'p50'), metric('ApplyToReady', 'p99', 'p99')],
        width: 8,
      }),
      new GraphWidget({ title: 'Verifications (查验)', left: [metric('Verifications', 'Sum', 'verifications')], width: 8 }),
      new GraphWidget({ title: 'Applied per qualification', left: [perQualification('AnnotationsApplied', 'applied')], width: 12 }),
      new GraphWidget({ title: 'FAILED per qualification', left: [perQualification('AnnotationsFailed', 'FAILED')], width: 12 }),
      new GraphWidget({
        title: 'Render queue and DLQ (messages visible)',
        left: [
          props.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum', label: 'queue' }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum', label: 'DLQ' }),
        ],
        width: 24,
      }),
    ];
    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(new TextWidget({ markdown: '# ecert operations\nThe same figures as `npm run ecert -- report`; alarms below.', width: 24, height: 2 }));
    this.dashboard.addWidgets(...figures);
    if (props.alarms.length > 0) {
      this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24 }));
      this.dashboard.addWidgets(...props.alarms.map((alarm) => new AlarmWidget({ alarm, title: alarm.node.id, width: 8 })));
    }
  }
}
