/** Queue settings, declared once for the CDK pipeline construct and the local runtime. */
export const RENDER_CONSUMER_TIMEOUT_SECONDS = 30;
/** The DLQ handler's function timeout. */
export const DEAD_LETTER_CONSUMER_TIMEOUT_SECONDS = 10;

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
  deadLetter: {
    logicalName: 'ecert-annotations-dlq',
    retentionSeconds: 14 * 24 * 3600,
    visibilityTimeoutSeconds: VISIBILITY_TO_TIMEOUT_RATIO * DEAD_LETTER_CONSUMER_TIMEOUT_SECONDS,
  },
} as const;
