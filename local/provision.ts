import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TABLE } from '../shared/resources/table';
import { QUEUES } from '../shared/resources/queues';
import { OPERATIONS } from '../shared/resources/operations';

/**
 * Creates the table, bucket and queues on the emulators from the same declarations the CDK constructs read
 * (shared/resources). Idempotent: an existing resource is left as it is, so a restart keeps its data.
 */
export interface ResourceNames {
  tableName: string;
  bucketName: string;
  queueName: string;
  deadLetterQueueName: string;
  /** Operator uploads for `import --via-s3` and their reports (OPERATIONS.importBucket). */
  importBucketName: string;
  /** The audit archive (OPERATIONS.auditArchive); s3rver has no Object Lock, so locally it is a plain bucket. */
  auditBucketName: string;
}

export const resourceNames = (prefix = ''): ResourceNames => ({
  tableName: `${prefix}${TABLE.logicalName}`,
  bucketName: `${prefix}ecert-documents`.toLowerCase(),
  queueName: `${prefix}${QUEUES.annotations.logicalName}`,
  deadLetterQueueName: `${prefix}${QUEUES.deadLetter.logicalName}`,
  importBucketName: `${prefix}${OPERATIONS.importBucket.logicalName}`.toLowerCase(),
  auditBucketName: `${prefix}${OPERATIONS.auditArchive.logicalName}`.toLowerCase(),
});

export async function provisionTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const indexes = Object.values(TABLE.indexes);
  const attributeNames = new Set<string>([TABLE.partitionKey, TABLE.sortKey]);
  for (const index of indexes) {
    attributeNames.add(index.partitionKey);
    attributeNames.add(index.sortKey);
  }
  const globalSecondaryIndexes: GlobalSecondaryIndex[] = indexes.map((index) => ({
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: index.projection },
  }));
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributeNames].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: globalSecondaryIndexes,
        StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE.stream },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    await ensureStream(client, tableName);
    return;
  }
  // DynamoDB Local records the TTL setting (it never deletes: the runtime's sweeper does).
  await client.send(new DescribeTableCommand({ TableName: tableName }));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    }),
  );
}

/** A table from a data folder older than the stream declaration gets its stream now (DynamoDB Local supports streams). */
async function ensureStream(client: DynamoDBClient, tableName: string): Promise<void> {
  const table = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (table.Table?.StreamSpecification?.StreamEnabled) return;
  await client.send(
    new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE.stream } }),
  );
}

export async function provisionBucket(client: S3Client, bucketName: string, allowedOrigins: string[] = ['*']) {
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucketName }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
  // The portal opens presigned links from another origin locally.
  await client.send(
    new PutBucketCorsCommand({
      Bucket: bucketName,
      CORSConfiguration: {
        CORSRules: [{ AllowedMethods: ['GET', 'HEAD'], AllowedOrigins: allowedOrigins, AllowedHeaders: ['*'], MaxAgeSeconds: 300 }],
      },
    }),
  );
}

export interface QueueOverrides {
  /** Tests shorten redelivery; everything else comes from shared/resources/queues.ts. */
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
}

export async function provisionQueues(
  client: SQSClient,
  names: Pick<ResourceNames, 'queueName' | 'deadLetterQueueName'>,
  overrides: QueueOverrides = {},
): Promise<{ queueUrl: string; deadLetterQueueUrl: string }> {
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: names.deadLetterQueueName,
      Attributes: {
        MessageRetentionPeriod: String(QUEUES.deadLetter.retentionSeconds),
        VisibilityTimeout: String(QUEUES.deadLetter.visibilityTimeoutSeconds),
      },
    }),
  );
  const deadLetterQueueUrl = dlq.QueueUrl!;
  const dlqAttributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: names.queueName,
      Attributes: {
        VisibilityTimeout: String(overrides.visibilityTimeoutSeconds ?? QUEUES.annotations.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(QUEUES.annotations.retentionSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqAttributes.Attributes!.QueueArn,
          maxReceiveCount: overrides.maxReceiveCount ?? QUEUES.annotations.maxReceiveCount,
        }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl!, deadLetterQueueUrl };
}
