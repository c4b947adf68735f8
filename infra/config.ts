import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_STACK_NAME } from '../shared/resources/outputs';

/**
 * Typed per-environment configuration of the stack. Pick one with `cdk synth -c environment=prod` (default `dev`);
 * single values can be overridden from the command line: `-c stackName=…`, `-c alarmEmail=…`,
 * `-c publicBaseUrl=…`, `-c portalWebAclArn=…`, `-c portalDomainName=… -c portalCertificateArn=…`.
 */
export interface EnvironmentConfig {
  /** Name of the configuration (`dev`, `prod`); tagged on every resource. */
  readonly name: string;
  readonly stackName: string;
  /**
   * HTTP API stage throttling (all routes). API Gateway throttles per stage and route, not per client: per-client
   * limits in the cloud need a WAF rate rule on a CloudFront distribution in front (see docs/infrastructure.md).
   */
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  /** Retention of every CloudWatch log group the stack creates (functions, API access log). */
  readonly logRetention: RetentionDays;
  /** Days S3 server access logs of the document bucket are kept. */
  readonly accessLogExpirationDays: number;
  /** DynamoDB deletion protection (the table is RETAINed on stack deletion either way). */
  readonly tableDeletionProtection: boolean;
  /** Alarm notifications go to an SNS topic; this address is subscribed to it when set. */
  readonly alarmEmail?: string;
  /**
   * Public origin of the service, passed to functions as ECERT_PUBLIC_BASE_URL (what the PDFs' QR codes open). Default:
   * the portal's CloudFront URL; set it when a custom domain points at the distribution.
   */
  readonly publicBaseUrl?: string;
  /** ARN of a CLOUDFRONT-scope WAF web ACL (in us-east-1) for the portal distribution, e.g. with a rate-based rule. */
  readonly portalWebAclArn?: string;
  /**
   * A custom domain for the portal (both or neither): its name and an ACM certificate for it in us-east-1. With it the
   * distribution pins viewer TLS to TLSv1.2_2021, and the QR codes use https://<domain> unless publicBaseUrl says otherwise.
   */
  readonly portalDomainName?: string;
  readonly portalCertificateArn?: string;
  /** Who the service's messages come from (issue 11: one-time codes, expiry reminders). */
  readonly messaging: MessagingConfig;
}

/**
 * Sender settings of the messages the service sends. E-mail goes through SES v2 from `emailFrom`, an address of the
 * verified SES identity `emailIdentity` (a domain or an address); SMS through End User Messaging SMS from
 * `smsOriginationIdentity` — `phone-number/<id>`, `pool/<id>` or `sender-id/<id>/<country>` in this account and
 * region, or the full ARN. The functions that send may use exactly these and nothing else.
 */
export interface MessagingConfig {
  readonly emailFrom: string;
  readonly emailIdentity: string;
  readonly smsOriginationIdentity: string;
  readonly emailConfigurationSet?: string;
  readonly smsConfigurationSet?: string;
  /** Days before an annotation's validUntil that reminders go out (default 7 and 1). */
  readonly reminderDays: readonly number[];
}

const DEFAULT_MESSAGING: MessagingConfig = {
  emailFrom: '电子证书 <no-reply@ecert.example.com>',
  emailIdentity: 'ecert.example.com',
  smsOriginationIdentity: 'pool/ecert',
  reminderDays: [7, 1],
};

export const ENVIRONMENTS = {
  dev: {
    name: 'dev',
    stackName: DEFAULT_STACK_NAME,
    throttling: { rateLimit: 50, burstLimit: 100 },
    logRetention: RetentionDays.ONE_MONTH,
    accessLogExpirationDays: 90,
    tableDeletionProtection: false,
    messaging: DEFAULT_MESSAGING,
  },
  prod: {
    name: 'prod',
    stackName: DEFAULT_STACK_NAME,
    throttling: { rateLimit: 200, burstLimit: 400 },
    logRetention: RetentionDays.SIX_MONTHS,
    accessLogExpirationDays: 365,
    tableDeletionProtection: true,
    messaging: DEFAULT_MESSAGING,
  },
} as const satisfies Record<string, EnvironmentConfig>;

export type EnvironmentName = keyof typeof ENVIRONMENTS;

export const DEFAULT_ENVIRONMENT: EnvironmentName = 'dev';

/**
 * Feature flags the stack relies on, set on the App by infra/app.ts and by the tests alike.
 * - serverAccessLogsUseBucketPolicy: S3 server access logs are delivered by a bucket policy for the logging service
 *   principal instead of the legacy LogDeliveryWrite ACL (which ACL-disabled buckets reject).
 */
export const APP_CONTEXT = {
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
} as const;

export class InvalidConfigError extends Error {
  override name = 'InvalidConfigError';
}

/** A context lookup, e.g. `(key) => app.node.tryGetContext(key)`. */
export type ContextReader = (key: string) => unknown;

const optionalString = (value: unknown, key: string): string | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidConfigError(`context ${key} must be a string`);
  return value;
};

/** Resolves the configuration named by context `environment`, applies single-value overrides, and validates it. */
export function loadConfig(readContext: ContextReader = () => undefined): EnvironmentConfig {
  const requested = optionalString(readContext('environment'), 'environment') ?? DEFAULT_ENVIRONMENT;
  if (!Object.hasOwn(ENVIRONMENTS, requested)) {
    throw new InvalidConfigError(
      `unknown environment "${requested}"; expected one of ${Object.keys(ENVIRONMENTS).join(', ')}`,
    );
  }
  const base: EnvironmentConfig = ENVIRONMENTS[requested as EnvironmentName];
  const config: EnvironmentConfig = {
    ...base,
    stackName: optionalString(readContext('stackName'), 'stackName') ?? base.stackName,
    alarmEmail: optionalString(readContext('alarmEmail'), 'alarmEmail') ?? base.alarmEmail,
    publicBaseUrl: optionalString(readContext('publicBaseUrl'), 'publicBaseUrl') ?? base.publicBaseUrl,
    portalWebAclArn: optionalString(readContext('portalWebAclArn'), 'portalWebAclArn') ?? base.portalWebAclArn,
    portalDomainName: optionalString(readContext('portalDomainName'), 'portalDomainName') ?? base.portalDomainName,
    portalCertificateArn: optionalString(readContext('portalCertificateArn'), 'portalCertificateArn') ?? base.portalCertificateArn,
    messaging: {
      ...base.messaging,
      emailFrom: optionalString(readContext('emailFrom'), 'emailFrom') ?? base.messaging.emailFrom,
      emailIdentity: optionalString(readContext('emailIdentity'), 'emailIdentity') ?? base.messaging.emailIdentity,
      smsOriginationIdentity:
        optionalString(readContext('smsOriginationIdentity'), 'smsOriginationIdentity') ?? base.messaging.smsOriginationIdentity,
    },
  };
  validateConfig(config);
  return config;
}

const SMS_ORIGINATION = /^(arn:aws[\w-]*:sms-voice:[a-z0-9-]+:\d{12}:)?(phone-number|pool|sender-id)\/[\w\-/]+$/;

export function validateConfig(config: EnvironmentConfig): void {
  const { messaging } = config;
  const fromAddress = /<([^>]+)>\s*$/.exec(messaging.emailFrom)?.[1] ?? messaging.emailFrom;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(fromAddress)) throw new InvalidConfigError(`${config.name}: messaging.emailFrom is not an e-mail address`);
  const fromDomain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
  if (messaging.emailIdentity.toLowerCase() !== fromDomain && messaging.emailIdentity.toLowerCase() !== fromAddress.toLowerCase()) {
    throw new InvalidConfigError(`${config.name}: messaging.emailFrom must be an address of messaging.emailIdentity`);
  }
  if (!SMS_ORIGINATION.test(messaging.smsOriginationIdentity)) {
    throw new InvalidConfigError(`${config.name}: messaging.smsOriginationIdentity must be phone-number/<id>, pool/<id>, sender-id/<id>/<country> or its ARN`);
  }
  if (messaging.reminderDays.length === 0 || messaging.reminderDays.some((d) => !Number.isInteger(d) || d < 1 || d > 90)) {
    throw new InvalidConfigError(`${config.name}: messaging.reminderDays must be whole days from 1 to 90`);
  }
  const { rateLimit, burstLimit } = config.throttling;
  if (!(Number.isFinite(rateLimit) && rateLimit > 0)) {
    throw new InvalidConfigError(`${config.name}: throttling.rateLimit must be a positive number`);
  }
  if (!(Number.isInteger(burstLimit) && burstLimit >= 1)) {
    throw new InvalidConfigError(`${config.name}: throttling.burstLimit must be a positive integer`);
  }
  if (!Object.values(RetentionDays).includes(config.logRetention)) {
    throw new InvalidConfigError(`${config.name}: logRetention ${config.logRetention} is not a CloudWatch retention`);
  }
  if (!(Number.isInteger(config.accessLogExpirationDays) && config.accessLogExpirationDays >= 1)) {
    throw new InvalidConfigError(`${config.name}: accessLogExpirationDays must be a positive integer`);
  }
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(config.stackName)) {
    throw new InvalidConfigError(`${config.name}: stackName "${config.stackName}" is not a valid stack name`);
  }
  if (config.alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(config.alarmEmail)) {
    throw new InvalidConfigError(`${config.name}: alarmEmail is not an e-mail address`);
  }
  if (config.publicBaseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(config.publicBaseUrl);
    } catch {
      throw new InvalidConfigError(`${config.name}: publicBaseUrl is not a URL`);
    }
    if (url.protocol !== 'https:') throw new InvalidConfigError(`${config.name}: publicBaseUrl must be https`);
  }
  if (config.portalWebAclArn !== undefined && !/^arn:aws[\w-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/.test(config.portalWebAclArn)) {
    throw new InvalidConfigError(`${config.name}: portalWebAclArn must be a CLOUDFRONT-scope (global, us-east-1) WAFv2 web ACL ARN`);
  }
  if ((config.portalDomainName === undefined) !== (config.portalCertificateArn === undefined)) {
    throw new InvalidConfigError(`${config.name}: portalDomainName and portalCertificateArn go together`);
  }
  if (config.portalDomainName !== undefined && !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(config.portalDomainName)) {
    throw new InvalidConfigError(`${config.name}: portalDomainName is not a lower-case DNS name`);
  }
  if (config.portalCertificateArn !== undefined && !/^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(config.portalCertificateArn)) {
    throw new InvalidConfigError(`${config.name}: portalCertificateArn must be an ACM certificate in us-east-1 (CloudFront's region)`);
  }
}
