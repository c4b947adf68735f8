/** Queue settings, declared once for the CDK pipeline construct and the local runtime. */
export const RENDER_CONSUMER_TIMEOUT_SECONDS = 30;

export const QUEUES = {
  annotations: {
    logicalName: 'ecert-annotations',
    /** AWS guidance: at least 6× the consumer's timeout, so a slow batch is not redelivered while still running. */
    visibilityTimeoutSeconds: 6 * RENDER_CONSUMER_TIMEOUT_SECONDS,
    retentionSeconds: 4 * 24 * 3600,
    maxReceiveCount: 5,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
  },
  deadLetter: {
    logicalName: 'ecert-annotations-dlq',
    retentionSeconds: 14 * 24 * 3600,
    /** The DLQ handler (10 s timeout) consumes it: ≥ 6× its timeout. */
    visibilityTimeoutSeconds: 60,
  },
} as const;
