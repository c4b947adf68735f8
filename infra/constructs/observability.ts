import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
  type IAlarmAction,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../shared/observability';
import { TABLE } from '../../shared/resources/table';
import type { Functions } from './functions';

/** Holders have waited this long for a PDF: the render fleet is not keeping up (or not running). */
export const RENDER_QUEUE_AGE_ALARM_SECONDS = 60;
/** A dead letter its handler has not taken within this time: the DLQ handler itself is failing. */
export const DEAD_LETTER_AGE_ALARM_SECONDS = 600;
/** Share of API requests answered 429 by the stage's throttles, over 5 minutes, that needs an operator. */
export const API_THROTTLED_PERCENT_ALARM = 1;
/** Custom metric (from the access log) counting 429 answers of the stage. */
export const API_THROTTLED_METRIC = 'ApiThrottledRequests';

export interface ObservabilityProps {
  readonly functions: Functions;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly table: Table;
  readonly api: HttpApi;
  /** The stage's access log group: 429 answers are counted from it (HTTP APIs publish no 429 metric). */
  readonly accessLogs: ILogGroup;
  /** Declaration key of the render consumer, whose p99 duration is watched. */
  readonly renderFunction: string;
  /** p99 batch duration (ms) above which the configured render fleet no longer carries the sized peak. */
  readonly renderDurationAlarmMs: number;
  /** Subscribed to the alarm topic when set. */
  readonly alarmEmail?: string;
}

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms on what needs an operator, each on the signal that shows it while it happens:
 * - dead letters arriving (waiting, sent, or received by a consumer) and, when a function consumes the DLQ, letters it
 *   leaves undrained;
 * - the render queue's oldest message (holders waiting), render duration p99 against the sized fleet;
 * - per function: errors and throttles;
 * - DynamoDB read and write throttle events of the table and of every GSI;
 * - the API's 5xx rate (any 5xx is a bug) and 429 rate (throttles set too low, or a flood).
 * Every alarm notifies one encrypted, TLS-only SNS topic, on ALARM and on OK. The alarms are exposed for dashboards.
 */
export class Observability extends Construct {
  readonly topic: Topic;
  /** Every alarm of the stack, in creation order. */
  readonly alarms: Alarm[] = [];
  /** The same alarms by construct id (e.g. `RenderQueueOldestMessage`, `RenderConsumerThrottles`). */
  readonly alarmsById: Record<string, Alarm> = {};

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.topic = this.alarmTopic(props.alarmEmail);
    const action: IAlarmAction = new SnsAction(this.topic);
    const add = (alarmId: string, description: string, metric: IMetric, threshold: number) => {
      const alarm = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
      this.alarmsById[alarmId] = alarm;
      return alarm;
    };

    // Queues. A dead letter is signalled three ways, so the alarm sees it whether or not a function consumes the DLQ:
    // visible (it waits for a redrive), sent (an explicit send), received (a consumer took it). NumberOfMessagesSent
    // alone misses what the redrive policy moves (SQS documents that), and visible alone misses what a consumer drains
    // within the metric's minute.
    const dlq = props.deadLetterQueue;
    add(
      'DeadLettersArrived',
      'Messages reached the annotation DLQ: their annotations could not be rendered; inspect with `npm run ecert -- dlq`.',
      new MathExpression({
        expression: 'visible + sent + received',
        usingMetrics: {
          visible: dlq.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum' }),
          sent: dlq.metricNumberOfMessagesSent({ period: ONE_MINUTE, statistic: 'Sum' }),
          received: dlq.metricNumberOfMessagesReceived({ period: ONE_MINUTE, statistic: 'Sum' }),
        },
        period: ONE_MINUTE,
        label: 'dead letters',
      }),
      0,
    );
    const dlqConsumed = Object.values(props.functions.declarations).some((decl) => decl.trigger?.type === 'queue' && decl.trigger.queue === 'deadLetter');
    if (dlqConsumed) {
      add(
        'DeadLettersNotDrained',
        `A dead letter has waited over ${DEAD_LETTER_AGE_ALARM_SECONDS} s: the DLQ handler is not taking it.`,
        dlq.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: 'Maximum' }),
        DEAD_LETTER_AGE_ALARM_SECONDS,
      );
    }
    add(
      'RenderQueueOldestMessage',
      `The oldest render message is over ${RENDER_QUEUE_AGE_ALARM_SECONDS} s old: holders are waiting for their PDFs.`,
      props.queue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: 'Maximum' }),
      RENDER_QUEUE_AGE_ALARM_SECONDS,
    );

    // Functions.
    for (const [key, fn] of props.functions.entries()) {
      const decl = props.functions.declarations[key]!;
      add(
        `${decl.id}Errors`,
        `${decl.id} function errors (unhandled exceptions or timeouts) in the last 5 minutes.`,
        fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        0,
      );
      add(
        `${decl.id}Throttles`,
        `${decl.id} invocations throttled (concurrency reservation or account limit reached) in the last minute.`,
        fn.metricThrottles({ period: ONE_MINUTE, statistic: 'Sum' }),
        0,
      );
    }
    const render = props.functions.get(props.renderFunction);
    add(
      'RenderDurationP99',
      `Render batches take over ${props.renderDurationAlarmMs} ms (p99, 5 minutes): at that speed the configured render ` +
        'concurrency no longer carries the sized peak (docs/capacity.md).',
      render.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
      props.renderDurationAlarmMs,
    );

    // DynamoDB: the table and every GSI (a throttled GSI throttles the table's writes).
    const targets: [string, Record<string, string>][] = [
      ['Table', { TableName: props.table.tableName }],
      ...Object.values(TABLE.indexes).map(
        (index): [string, Record<string, string>] => [
          `Index${index.name}`,
          { TableName: props.table.tableName, GlobalSecondaryIndexName: index.name },
        ],
      ),
    ];
    for (const [name, dimensionsMap] of targets) {
      for (const kind of ['Read', 'Write'] as const) {
        add(
          `${name}${kind}Throttles`,
          `DynamoDB ${kind.toLowerCase()} requests throttled on ${dimensionsMap.GlobalSecondaryIndexName ?? 'the table'} in the last minute.`,
          new Metric({
            namespace: 'AWS/DynamoDB',
            metricName: `${kind}ThrottleEvents`,
            dimensionsMap,
            period: ONE_MINUTE,
            statistic: 'Sum',
          }),
          0,
        );
      }
    }

    // API: rates, so they mean the same at 5 and at 5,000 requests per second.
    const requests = props.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    add(
      'ApiServerErrorRate',
      'The HTTP API answered 5xx (integration failures or function errors) in the last 5 minutes: any 5xx is a bug.',
      new MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { errors: props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }), requests },
        period: FIVE_MINUTES,
        label: '5xx % of requests',
      }),
      0,
    );
    new MetricFilter(this, 'ApiThrottledFilter', {
      logGroup: props.accessLogs,
      filterPattern: FilterPattern.numberValue('$.status', '=', 429),
      metricNamespace: METRICS_NAMESPACE,
      metricName: API_THROTTLED_METRIC,
      metricValue: '1',
      defaultValue: 0,
    });
    add(
      'ApiThrottledRate',
      `Over ${API_THROTTLED_PERCENT_ALARM}% of API requests were answered 429 in the last 5 minutes: a route throttle is ` +
        'below the traffic (docs/capacity.md) or someone floods it.',
      new MathExpression({
        expression: 'IF(requests > 0, 100 * throttled / requests, 0)',
        usingMetrics: {
          throttled: new Metric({ namespace: METRICS_NAMESPACE, metricName: API_THROTTLED_METRIC, period: FIVE_MINUTES, statistic: 'Sum' }),
          requests,
        },
        period: FIVE_MINUTES,
        label: '429 % of requests',
      }),
      API_THROTTLED_PERCENT_ALARM,
    );
  }

  private alarmTopic(alarmEmail: string | undefined): Topic {
    const stack = Stack.of(this);
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key (its key policy cannot grant
    // CloudWatch), so the topic gets a customer-managed key that lets CloudWatch encrypt.
    const key = new Key(this, 'TopicKey', {
      description: 'ecert alarm topic encryption',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    key.grant(cloudwatch, 'kms:Decrypt', 'kms:GenerateDataKey*');
    const topic = new Topic(this, 'AlarmTopic', { displayName: 'ecert alarms', masterKey: key, enforceSSL: true });
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    if (alarmEmail) topic.addSubscription(new EmailSubscription(alarmEmail));
    return topic;
  }
}
