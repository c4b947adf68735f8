import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUES } from '../../shared/resources/queues';

export type QueueName = keyof typeof QUEUES;

/** The shape of a QUEUES entry, with what either queue may declare. */
export interface QueueSettings {
  readonly logicalName: string;
  readonly retentionSeconds: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly maxBatchingWindowSeconds?: number;
}

/**
 * The annotation pipeline's queues (shared/resources/queues.ts): the render queue and its dead-letter queue. The
 * consumers (render, DLQ handler) are declared in shared/resources/functions.ts and attached by the Functions construct.
 */
export class AnnotationPipeline extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { annotations } = QUEUES;
    const { deadLetter } = QUEUES;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.seconds(deadLetter.retentionSeconds),
      visibilityTimeout: Duration.seconds(deadLetter.visibilityTimeoutSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(annotations.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(annotations.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: annotations.maxReceiveCount },
    });
  }

  queueByName(name: QueueName): Queue {
    return name === 'annotations' ? this.queue : this.deadLetterQueue;
  }
}
