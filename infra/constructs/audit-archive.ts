import { Duration } from 'aws-cdk-lib';
import { Bucket, ObjectLockRetention, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env';
import { OPERATIONS } from '../../shared/resources/operations';
import type { Functions } from './functions';
import { grantDeclaredAccess, privateBucketProps } from './operations-grants';

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
      ...privateBucketProps(props.accessLogs, 'audit-archive/'),
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(props.retentionDays)),
      // Read rarely, kept long: cheaper storage after three months (still immediately readable).
      lifecycleRules: [{ id: 'archive-tier', transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }] }],
    });
    grantDeclaredAccess(props.functions, this.bucket, OPERATIONS.auditArchive.prefix, ENV.auditBucketName, {
      'archive:write': { actions: ['s3:PutObject'] },
    });
  }
}
