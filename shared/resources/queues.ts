/** Queue settings, declared once for the CDK pipeline construct and the local runtime. */
export const RENDER_CONSUMER_TIMEOUT_SECONDS = 30;

/**
 * AWS guidance for a queue with a Lambda consumer: its visibility timeout is at least six times the function's timeout,
 * so a slow batch is not delivered again while it is still running. The Functions construct checks every queue
 * consumer against it.
 */
export const VISIBILITY_TO_TIMEOUT_RATIO = 6;
/** SQS's default visibility timeout, in effect when a queue's declaration does not set one. */
export const SQS_DEFAULT_VISIBILITY_SECONDS = 30;

export const QUEUES = {
  annotations: {
    logicalName: 'ecert-annotations',
    visibilityTimeoutSeconds: VISIBILITY_TO_TIMEOUT_RATIO * RENDER_CONSUMER_TIMEOUT_SECONDS,
    retentionSeconds: 4 * 24 * 3600,
    maxReceiveCount: 5,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
  },
  /**
   * No function consumes the DLQ: a message there waits, its annotation still PENDING, for an operator's
   * `npm run ecert -- dlq redrive` (so a visible-messages alarm on it means something). 14 days is the SQS maximum.
   * The visibility timeout only matters to `dlq list`, which hides what it reads for a moment and hands it back.
   */
  deadLetter: {
    logicalName: 'ecert-annotations-dlq',
    retentionSeconds: 14 * 24 * 3600,
    visibilityTimeoutSeconds: 60,
  },
} as const;
