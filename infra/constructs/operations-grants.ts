import { RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, BucketEncryption, ObjectOwnership, type Bucket, type BucketProps } from 'aws-cdk-lib/aws-s3';
import type { Access } from '../../shared/resources/functions';
import { acknowledge } from '../nag';
import type { Functions } from './functions';

/**
 * Grants on a bucket an operations construct owns, for every declared function whose `access` names it: object
 * actions under one key prefix only, and the bucket's name in the function's environment.
 */
export function grantDeclaredAccess(
  functions: Functions,
  bucket: Bucket,
  prefix: string,
  envName: string,
  byAccess: Partial<Record<Access, { actions: string[]; list?: boolean }>>,
): void {
  const bucketId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement);
  for (const [key, fn] of functions.entries()) {
    const decl = functions.declarations[key]!;
    const granted = decl.access.flatMap((access) => (byAccess[access] ? [byAccess[access]!] : []));
    if (granted.length === 0) continue;
    fn.addEnvironment(envName, bucket.bucketName);
    const actions = [...new Set(granted.flatMap((g) => g.actions))];
    fn.addToRolePolicy(new PolicyStatement({ actions, resources: [bucket.arnForObjects(`${prefix}*`)] }));
    if (granted.some((g) => g.list)) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } }),
      );
    }
    acknowledge(
      fn.role!,
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
      `Object keys are created at run time under the "${prefix}" prefix (one per import run, batch or archive batch), so ${actions.join(', ')} is scoped to that prefix of a bucket only this construct uses.`,
    );
  }
}

/** What every private bucket of the operations constructs shares: no public access, TLS only, SSE-S3, access logs. */
export function privateBucketProps(accessLogs: Bucket, logPrefix: string): BucketProps {
  return {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    encryption: BucketEncryption.S3_MANAGED,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: logPrefix,
    removalPolicy: RemovalPolicy.RETAIN,
  };
}
