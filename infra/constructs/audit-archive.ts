import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectLockRetention, ObjectOwnership, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env';
import { OPERATIONS } from '../../shared/resources/operations';
import type { Functions } from './functions';
import { grantDeclaredAccess } from './operations-grants';

export interface AuditArchiveProps {
  readonly functions: Functions;
  readonly accessLogs: Bucket;
  /** Days every archived object is locked in compliance mode: nobody, the root user included, can delete or overwrite it sooner. */
  readonly retentionDays: number;
}

/**
 * Issue 13 §3: the audit archive. S3 Object Lock in compliance mode with a default retention (stack configuration),
 * so every object version the archiver writes is immutable for that time; versioning is what Object Lock requires.
 * The archiver (the audit-trail stream consumer) may only put objects under audit/.
 */
export class AuditArchive extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: AuditArchiveProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Archive', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(props.retentionDays)),
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'audit-archive/',
      // Read rarely, kept long: cheaper storage after three months (still immediately readable).
      lifecycleRules: [{ id: 'archive-tier', transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }] }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    grantDeclaredAccess(props.functions, this.bucket, OPERATIONS.auditArchive.prefix, ENV.auditBucketName, {
      'archive:write': { actions: ['s3:PutObject'] },
    });
  }
}
