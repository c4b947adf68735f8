/**
 * AWS service quotas and fixed service limits the stack is sized against that are not in the template, each with the
 * page that states it. Defaults per account and Region unless said otherwise; "adjustable" ones can be raised through
 * Service Quotas — the capacity report (docs/capacity.md) uses the default unless the peak profile states a raised
 * value the operator holds. Checked against the documentation in November 2026; AWS changes some of these (re-check
 * before a peak: `aws service-quotas get-service-quota --service-code <code> --quota-code <code>`).
 */
export interface Quota {
  readonly value: number;
  readonly unit: string;
  readonly what: string;
  readonly source: string;
  readonly adjustable: boolean;
}

const quota = (value: number, unit: string, what: string, source: string, adjustable: boolean): Quota => ({
  value,
  unit,
  what,
  source,
  adjustable,
});

export const QUOTAS = {
  httpApiAccountRate: quota(
    10_000,
    'requests/s',
    'API Gateway account-level throttle across all HTTP APIs in a Region (steady rate; some newer Regions: 2,500)',
    'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html',
    true,
  ),
  httpApiAccountBurst: quota(
    5_000,
    'requests',
    'API Gateway account-level burst (token bucket size); a route’s burst limit cannot exceed it',
    'https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html',
    true,
  ),
  lambdaAccountConcurrency: quota(
    1_000,
    'concurrent executions',
    'Lambda concurrent executions per account and Region, shared by every function',
    'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
    true,
  ),
  lambdaUnreservedMinimum: quota(
    100,
    'concurrent executions',
    'Lambda keeps at least this much of the account concurrency unreserved',
    'https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html',
    false,
  ),
  lambdaScalingRate: quota(
    1_000,
    'execution environments per 10 s, per function',
    'Lambda concurrency scaling rate of each function',
    'https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html',
    false,
  ),
  sqsEventSourceInitialConcurrency: quota(
    5,
    'concurrent batches',
    'An SQS event source mapping starts with five concurrent batches when messages appear',
    'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html',
    false,
  ),
  sqsEventSourceScaleUp: quota(
    300,
    'concurrent batches per minute',
    'An SQS event source mapping adds up to 300 concurrent batches per minute while messages wait',
    'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html',
    false,
  ),
  sqsEventSourceMaxConcurrency: quota(
    1_000,
    'concurrent batches',
    'Maximum concurrency of one SQS event source mapping (ScalingConfig.MaximumConcurrency is 2 … 1,000)',
    'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html',
    false,
  ),
  sqsInFlight: quota(
    120_000,
    'messages',
    'In-flight messages (received, not yet deleted) of a standard queue',
    'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html',
    true,
  ),
  dynamodbTableReadThroughput: quota(
    40_000,
    'read request units/s',
    'On-demand maximum read throughput per table (and per GSI)',
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
    true,
  ),
  dynamodbTableWriteThroughput: quota(
    40_000,
    'write request units/s',
    'On-demand maximum write throughput per table (and per GSI)',
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
    true,
  ),
  dynamodbOnDemandInitialRead: quota(
    12_000,
    'read units/s',
    'What a new on-demand table or GSI serves at once without pre-warming (its initial warm throughput)',
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html',
    false,
  ),
  dynamodbOnDemandInitialWrite: quota(
    4_000,
    'write units/s',
    'What a new on-demand table or GSI serves at once without pre-warming (its initial warm throughput)',
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html',
    false,
  ),
  dynamodbPartitionWrite: quota(
    1_000,
    'write units/s',
    'Per partition (so per partition key value at most) of a table or GSI',
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html',
    false,
  ),
  dynamodbPartitionRead: quota(
    3_000,
    'read units/s',
    'Per partition (so per partition key value at most) of a table or GSI',
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html',
    false,
  ),
  s3PrefixWrite: quota(
    3_500,
    'PUT/COPY/POST/DELETE per second',
    'Per partitioned prefix of a bucket (S3 partitions further as load grows)',
    'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html',
    false,
  ),
  s3PrefixRead: quota(
    5_500,
    'GET/HEAD per second',
    'Per partitioned prefix of a bucket (S3 partitions further as load grows)',
    'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html',
    false,
  ),
  secretsManagerGetSecretValue: quota(
    10_000,
    'requests/s',
    'Secrets Manager GetSecretValue (combined with DescribeSecret) per account and Region',
    'https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html',
    false,
  ),
  kmsSymmetric: quota(
    5_500,
    'requests/s',
    'KMS cryptographic operations with symmetric keys, shared (5,500 is the smallest regional default; larger Regions have more)',
    'https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html',
    true,
  ),
  kmsAsymmetricSign: quota(
    1_000,
    'requests/s',
    'KMS cryptographic operations with RSA keys (and, separately, with ECC keys), shared',
    'https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html',
    true,
  ),
  cloudFrontRequests: quota(
    250_000,
    'requests/s',
    'Requests per second per CloudFront distribution',
    'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html',
    true,
  ),
} as const satisfies Record<string, Quota>;

export type QuotaName = keyof typeof QUOTAS;

/**
 * Latency of one AWS call from a Lambda function in the same Region, for the duration model of infra/sizing.ts
 * (concurrency and GB-seconds). Planning figures, not measurements: the local emulators answer far slower than the
 * services (they share two cores with everything else), so the local wall time is only an upper bound. Calls are
 * assumed sequential (an upper bound where a handler overlaps them).
 */
export interface Latency {
  readonly ms: number;
  readonly basis: string;
  readonly source: string;
}

export const AWS_LATENCY_MS: Readonly<Record<string, Latency>> = {
  dynamodb: {
    ms: 10,
    basis: 'DynamoDB states single-digit-millisecond reads and writes at any scale; 10 ms per call',
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Introduction.html',
  },
  'dynamodb TransactWriteItems': {
    ms: 30,
    basis: 'assumed three single writes: a transaction prepares and commits every item in two phases (no published figure)',
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html',
  },
  s3: {
    ms: 150,
    basis: 'S3 quotes 100–200 ms first-byte latency for small objects; the middle of that range',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance-guidelines.html',
  },
  's3 presign GetObject': {
    ms: 0,
    basis: 'presigning signs locally and sends no request',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html',
  },
  sqs: {
    ms: 20,
    basis: 'assumed: one request round trip within the Region (SQS publishes no latency figure)',
    source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-throughput-horizontal-scaling-and-batching.html',
  },
};

/** Latency of one call `<service> <Operation>` (the most specific entry of AWS_LATENCY_MS). */
export function latencyOf(call: string): number {
  const service = call.split(' ')[0]!;
  const entry = AWS_LATENCY_MS[call] ?? AWS_LATENCY_MS[service];
  if (!entry) throw new Error(`no latency planning figure for ${call} (infra/quotas.ts AWS_LATENCY_MS)`);
  return entry.ms;
}
