import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
  type GlobalSecondaryIndexProps,
} from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BUCKET } from '../../shared/resources/bucket';
import { TABLE } from '../../shared/resources/table';

export interface StorageProps {
  /** Days the S3 server access logs of the document bucket are kept. */
  readonly accessLogExpirationDays: number;
  readonly tableDeletionProtection: boolean;
  /**
   * Pre-warming (prod): read/write units per second the table and each GSI (by index name) serve from the first
   * second of a peak. On-demand alone starts a new table at 12,000 reads / 4,000 writes per second and only doubles its
   * previous peak within 30 minutes (docs/capacity.md).
   */
  readonly warmThroughput?: {
    readonly table: { readonly read: number; readonly write: number };
    readonly indexes: Readonly<Record<string, { readonly read: number; readonly write: number }>>;
  };
}

const warm = (units: { read: number; write: number } | undefined) =>
  units ? { warmThroughput: { readUnitsPerSecond: units.read, writeUnitsPerSecond: units.write } } : {};

const PROJECTIONS: Record<'KEYS_ONLY' | 'ALL' | 'INCLUDE', ProjectionType> = {
  KEYS_ONLY: ProjectionType.KEYS_ONLY,
  ALL: ProjectionType.ALL,
  INCLUDE: ProjectionType.INCLUDE,
};

/**
 * Durable state: the single DynamoDB table (shared/resources/table.ts) and the private document bucket
 * (shared/resources/bucket.ts), plus the bucket that receives the document bucket's S3 server access logs.
 * Everything here is RETAINed when the stack is deleted.
 */
export class Storage extends Construct {
  readonly table: Table;
  readonly documents: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: props.tableDeletionProtection,
      // Declared in shared/resources/table.ts: the audit trail and the report counters consume it (issue 13).
      stream: StreamViewType[TABLE.stream],
      removalPolicy: RemovalPolicy.RETAIN,
      ...warm(props.warmThroughput?.table),
    });
    for (const index of Object.values(TABLE.indexes)) {
      const gsi: GlobalSecondaryIndexProps = {
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: PROJECTIONS[index.projection],
        ...warm(props.warmThroughput?.indexes[index.name]),
      };
      this.table.addGlobalSecondaryIndex(gsi);
    }

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // S3 server access log delivery supports SSE-S3 targets only (not SSE-KMS).
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.accessLogExpirationDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // No AwsSolutions-S1 finding here: cdk-nag recognises a server-access-log destination bucket.

    this.documents = new Bucket(this, 'Documents', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'documents/',
      lifecycleRules: [
        {
          // Backstop only: reads check validUntil themselves (R6); this just removes what nobody can fetch any more.
          id: 'expire-annotation-pdfs',
          prefix: BUCKET.prefixes.annotations,
          expiration: Duration.days(BUCKET.annotationObjectExpirationDays),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
