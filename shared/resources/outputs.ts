/**
 * CloudFormation output keys of the stack. The operator CLI reads them (`--stack`) to find a deployed system, so
 * they are part of the operator contract: rename none.
 */
export const STACK_OUTPUTS = {
  apiUrl: 'ApiUrl',
  portalUrl: 'PortalUrl',
  tableName: 'TableName',
  bucketName: 'BucketName',
  queueUrl: 'QueueUrl',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  idHashKeySecretArn: 'IdHashKeySecretArn',
  jwtKeySecretArn: 'JwtKeySecretArn',
  signingKeySecretArn: 'SigningKeySecretArn',
  importBucketName: 'ImportBucketName',
  importStateMachineArn: 'ImportStateMachineArn',
  auditArchiveBucketName: 'AuditArchiveBucketName',
  dashboardName: 'DashboardName',
} as const;

export const DEFAULT_STACK_NAME = 'Ecert';
