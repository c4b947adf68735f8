import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ENV } from '../config/env';

/** Where the local stack's emulators listen (DynamoDB Local, s3rver, local-aws-sqs, aws-ses-v2-local, SMS answerer). */
export interface EmulatorEndpoints {
  dynamodb: string;
  s3: string;
  sqs: string;
  ses: string;
  sms: string;
}

/** Local credentials: s3rver accepts exactly these; DynamoDB Local (sharedDb) and local-aws-sqs accept anything. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'us-east-1';

/**
 * The environment that points the AWS SDK at the emulators instead of AWS: the endpoint variables the SDK honours
 * (shared/aws/clients.ts), the local region and credentials. Declared once for the local runtime's own process, its
 * function containers (local/bundles) and the operator CLI against a local stack (shared/target/resolve.ts).
 */
export function localAwsEnvironment(endpoints: EmulatorEndpoints) {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SESV2: endpoints.ses,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: endpoints.sms,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}

/**
 * What a running local stack publishes about itself in its data folder, so the operator CLI (and anything else) can
 * find the emulators and resource names without guessing ports.
 */
export interface LocalTarget {
  apiUrl: string;
  endpoints: EmulatorEndpoints;
  tableName: string;
  bucketName: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** Issue 13 (absent in a runtime.json written by an older runtime). */
  importBucketName?: string;
  auditBucketName?: string;
  secretsDir: string;
  pid: number;
  startedAt: string;
}

/**
 * The local stack's resources in the variables the functions read (shared/config/env.ts): for the runtime's own
 * process and for the operator CLI pointed at a running local stack.
 */
export function localResourceEnvironment(
  target: Pick<LocalTarget, 'tableName' | 'bucketName' | 'queueUrl' | 'deadLetterQueueUrl' | 'importBucketName' | 'auditBucketName' | 'secretsDir'>,
) {
  return {
    [ENV.tableName]: target.tableName,
    [ENV.bucketName]: target.bucketName,
    [ENV.queueUrl]: target.queueUrl,
    [ENV.deadLetterQueueUrl]: target.deadLetterQueueUrl,
    [ENV.importBucketName]: target.importBucketName,
    [ENV.auditBucketName]: target.auditBucketName,
    [ENV.localSecretsDir]: target.secretsDir,
  };
}

export const DEFAULT_DATA_DIR = resolve(process.env.ECERT_DATA_DIR ?? '.local-data');
export const TARGET_FILE = 'runtime.json';

export async function writeLocalTarget(dataDir: string, target: LocalTarget): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, TARGET_FILE), `${JSON.stringify(target, null, 2)}\n`);
}

export async function readLocalTarget(dataDir: string = DEFAULT_DATA_DIR): Promise<LocalTarget> {
  try {
    return JSON.parse(await readFile(join(dataDir, TARGET_FILE), 'utf8')) as LocalTarget;
  } catch {
    throw new Error(`no local stack found in ${dataDir}: start it with 'npm start' (or pass --stack <name> for a deployed one)`);
  }
}

/** The senders the local stack uses; the cloud stack takes them from its configuration. */
export const LOCAL_SENDERS = { email: '电子证书（本地） <no-reply@ecert.localhost>', sms: '+10000000000' } as const;
