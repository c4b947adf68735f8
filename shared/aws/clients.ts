import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { KMSClient } from '@aws-sdk/client-kms';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { tracer } from '../observability';

/**
 * The one place AWS clients are built. Clients are created on first use (not at import) so the local runtime can set
 * the endpoint environment first; the SDK itself honours AWS_ENDPOINT_URL_DYNAMODB / _S3 / _SQS (and _SESV2 /
 * _PINPOINT_SMS_VOICE_V2 for the messaging services), which is the only
 * difference between local and cloud. Each client is captured by the tracer, so every AWS call is a subsegment of the
 * invocation's trace in the cloud (outside Lambda there is no tracer and the client is used as built).
 */
const traced = <Client extends object>(client: Client): Client => (tracer ? tracer.captureAWSv3Client(client) : client);

let documentClient: DynamoDBDocumentClient | undefined;
let s3Client: S3Client | undefined;
let sqsClient: SQSClient | undefined;
let secretsClient: SecretsManagerClient | undefined;
let cloudFormationClient: CloudFormationClient | undefined;
let sfnClient: SFNClient | undefined;
let stsClient: STSClient | undefined;
let kmsClient: KMSClient | undefined;
let emailClient: SESv2Client | undefined;
let smsClient: PinpointSMSVoiceV2Client | undefined;

export function ddb(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(traced(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function s3(): S3Client {
  // s3rver serves buckets by path only, and corrupts streamed bodies when the SDK adds flexible checksums.
  const local = Boolean(process.env.AWS_ENDPOINT_URL_S3);
  s3Client ??= traced(
    new S3Client({
      forcePathStyle: local,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  );
  return s3Client;
}

export function sqs(): SQSClient {
  sqsClient ??= traced(new SQSClient({}));
  return sqsClient;
}

export function secretsManager(): SecretsManagerClient {
  secretsClient ??= traced(new SecretsManagerClient({}));
  return secretsClient;
}

/** The seal's issuing CA signs container certificates and CRLs with a KMS key (docs/signing.md). */
export function kms(): KMSClient {
  kmsClient ??= traced(new KMSClient({}));
  return kmsClient;
}

/** The operator CLI reads a deployed stack's outputs with it (`--stack`); no function uses it. */
export function cloudFormation(): CloudFormationClient {
  cloudFormationClient ??= traced(new CloudFormationClient({}));
  return cloudFormationClient;
}

/** The operator CLI starts and follows Distributed Map imports with it (`import --via-s3`, `import status`). */
export function stepFunctions(): SFNClient {
  sfnClient ??= traced(new SFNClient({}));
  return sfnClient;
}

/** Who the operator is (GetCallerIdentity) for the audit trail. */
export function sts(): STSClient {
  stsClient ??= traced(new STSClient({}));
  return stsClient;
}

/** E-mail (verification codes, expiry reminders) through Amazon SES v2. Locally: aws-ses-v2-local. */
export function sesv2(): SESv2Client {
  emailClient ??= traced(new SESv2Client({}));
  return emailClient;
}

/** SMS through AWS End User Messaging SMS (pinpoint-sms-voice-v2). Locally: the runtime's loopback answerer. */
export function smsVoice(): PinpointSMSVoiceV2Client {
  smsClient ??= traced(new PinpointSMSVoiceV2Client({}));
  return smsClient;
}

/** Tests and the local runtime call this after changing endpoints so the next call builds fresh clients. */
export function resetClients(): void {
  documentClient?.destroy();
  s3Client?.destroy();
  sqsClient?.destroy();
  secretsClient?.destroy();
  cloudFormationClient?.destroy();
  sfnClient?.destroy();
  stsClient?.destroy();
  sfnClient = undefined;
  stsClient = undefined;
  kmsClient?.destroy();
  emailClient?.destroy();
  smsClient?.destroy();
  emailClient = undefined;
  smsClient = undefined;
  documentClient = undefined;
  s3Client = undefined;
  sqsClient = undefined;
  secretsClient = undefined;
  cloudFormationClient = undefined;
  kmsClient = undefined;
}
