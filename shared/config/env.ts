/**
 * Runtime configuration from the environment. The stack sets these on every function; the local runtime sets the
 * same names (plus the AWS_ENDPOINT_URL_* variables that point the SDK at the emulators).
 */
export const ENV = {
  tableName: 'ECERT_TABLE_NAME',
  bucketName: 'ECERT_BUCKET_NAME',
  queueUrl: 'ECERT_QUEUE_URL',
  deadLetterQueueUrl: 'ECERT_DLQ_URL',
  publicBaseUrl: 'ECERT_PUBLIC_BASE_URL',
  idHashKeySecret: 'ECERT_ID_HASH_KEY_SECRET',
  jwtKeySecret: 'ECERT_JWT_KEY_SECRET',
  signingKeySecret: 'ECERT_SIGNING_KEY_SECRET',
  /** Issue 13: operator uploads (import --via-s3), the Distributed Map state machine, the audit archive bucket. */
  importBucketName: 'ECERT_IMPORT_BUCKET_NAME',
  importStateMachineArn: 'ECERT_IMPORT_STATE_MACHINE_ARN',
  auditBucketName: 'ECERT_AUDIT_BUCKET_NAME',
  /** RFC 3161 time-stamping authority of the seal (a qualified TSA in production; the local responder locally). */
  tsaUrl: 'ECERT_TSA_URL',
  /** Sender of e-mail (an SES-verified identity), e.g. `电子证书 <no-reply@ecert.example>`. */
  emailFrom: 'ECERT_EMAIL_FROM',
  /** Origination identity of SMS (phone number, pool or sender ID, as End User Messaging SMS names it). */
  smsOrigination: 'ECERT_SMS_ORIGINATION',
  /** Optional configuration sets (delivery events, suppression) of SES and of End User Messaging SMS. */
  emailConfigurationSet: 'ECERT_EMAIL_CONFIGURATION_SET',
  smsConfigurationSet: 'ECERT_SMS_CONFIGURATION_SET',
  /** Days before an annotation's validUntil that expiry reminders go out (`7,1`). */
  reminderDays: 'ECERT_REMINDER_DAYS',
  /** Local only: secrets are files in this folder instead of Secrets Manager entries. */
  localSecretsDir: 'ECERT_LOCAL_SECRETS_DIR',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export function requireEnv(name: EnvName): string {
  const value = process.env[name];
  if (!value) throw new ConfigurationError(`missing environment variable ${name}`);
  return value;
}

export function optionalEnv(name: EnvName): string | undefined {
  return process.env[name] || undefined;
}
