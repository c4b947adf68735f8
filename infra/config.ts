import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_STACK_NAME } from '../shared/resources/outputs';

/** API Gateway throttle: steady rate (requests/s) and bucket size. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * The day the stack is sized for (results release): how many holders apply and verify, and how the day is shaped.
 * What one annotation costs (API calls by route, DynamoDB units, render time) is not here: it is MEASURED by
 * `npm run measure:annotation` (docs/per-annotation.json) and combined with this profile by infra/sizing.ts — route
 * throttles, render concurrency, table warm throughput and alarm thresholds all come from that combination, and
 * `npm run capacity` checks the synthesized result against AWS's quotas (docs/capacity.md).
 */
export interface PeakProfile {
  /** Holders with an account (they log in on the day; registering is counted separately). */
  readonly registeredHolders: number;
  readonly annotationsPerDay: number;
  /** Share of the day's annotations in its first hour (results go online). */
  readonly firstHourShare: number;
  /** The busiest minute, as a multiple of the first hour's average rate. */
  readonly busiestMinuteFactor: number;
  /** Verifications (查验) per day; assumed to follow the same shape as the annotations (conservative). */
  readonly verificationsPerDay: number;
  /** New accounts per day (holders not registered yet), same shape. */
  readonly registrationsPerDay: number;
  /** Every configured limit is the need at the busiest minute times this (docs/capacity.md requires ≥ 2×). */
  readonly sizingHeadroom: number;
  /** Throttle of routes no measured flow reaches (health, OpenAPI, password change, …) and of `$default`. */
  readonly routeFloor: Throttle;
  /**
   * The account's Lambda concurrency quota in the deployment region that the stack is sized against. AWS's default
   * is 1,000 (docs/capacity.md cites it); a higher figure here is a quota increase the operator has to hold.
   */
  readonly lambdaAccountConcurrency: number;
  /**
   * The account's HTTP API throttle (requests/s, all HTTP APIs of the region) the stack is sized against. AWS's default
   * is 10,000; a higher figure here, too, is a quota increase the operator has to hold.
   */
  readonly httpApiAccountRate: number;
  /** Per client (source IP), requests to /v1/* in 5 minutes before the edge's rate-based rule blocks it. */
  readonly perClientRequestsPer5Minutes: number;
}

/**
 * Typed per-environment configuration of the stack. Pick one with `cdk synth -c environment=prod` (default `dev`);
 * single values can be overridden from the command line: `-c stackName=…`, `-c alarmEmail=…`,
 * `-c publicBaseUrl=…`, `-c portalWebAclArn=…`, `-c portalDomainName=… -c portalCertificateArn=…`,
 * `-c apiOriginDomainName=… -c apiOriginCertificateArn=…` (`-c apiOriginHostedZoneId=… -c apiOriginHostedZoneName=…`),
 * `-c executeApiEndpoint=enabled|disabled`, `-c webAcl=create|none`, `-c tsaUrl=…`.
 */
export interface EnvironmentConfig {
  /** Name of the configuration (`dev`, `prod`); tagged on every resource. */
  readonly name: string;
  readonly stackName: string;
  /** The peak this environment is sized for (infra/sizing.ts turns it into throttles, concurrency, warm throughput). */
  readonly peak: PeakProfile;
  /**
   * Whether the HTTP API's default `execute-api` endpoint answers. Off in prod: the only way in is the CloudFront
   * distribution (WAF, per-route throttles), which then reaches the API through its custom origin domain below.
   */
  readonly executeApiEndpoint: boolean;
  /**
   * The API's custom domain that CloudFront uses as origin when the default endpoint is off: a name, an ACM
   * certificate for it in the stack's region, and optionally the Route 53 zone to create its alias record in (otherwise
   * the operator points a CNAME at the domain's regional target; docs/infrastructure.md).
   */
  readonly apiOrigin?: {
    readonly domainName: string;
    readonly certificateArn: string;
    readonly hostedZone?: { readonly id: string; readonly name: string };
  };
  /**
   * Create a CLOUDFRONT-scope web ACL with a rate-based rule for the distribution (in a small us-east-1 stack, since
   * CloudFront web ACLs live there). Ignored when portalWebAclArn names an existing one.
   */
  readonly createWebAcl: boolean;
  /** Pre-warm the table and its indexes to the sized peak (DynamoDB warm throughput). */
  readonly warmThroughput: boolean;
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
  /**
   * Days each audit archive object stays locked (S3 Object Lock, compliance mode: not even the root user can delete
   * it sooner, and the retention cannot be shortened). Keep dev short: a dev stack's archive cannot be emptied earlier.
   */
  readonly auditRetentionDays: number;
  /**
   * The RFC 3161 time-stamping authority of the seal (docs/signing.md). The defaults are a public TSA good for trying
   * the stack; a production deployment sets a qualified (trusted-list) TSA with `-c tsaUrl=…`.
   */
  readonly tsaUrl: string;
  /** Who the service's messages come from (issue 11: one-time codes, expiry reminders). */
  readonly messaging: MessagingConfig;
}

/**
 * Results-release day: 10 million registered holders, 2 million annotations, 30% of them in the first hour and the
 * busiest minute at twice that hour's average — 600,000 / 3,600 s = 166.7/s on average, 333/s in the busiest minute.
 * Each annotation is verified once on the day (2 million), and 100,000 holders register that day.
 */
export const RESULTS_DAY: PeakProfile = {
  registeredHolders: 10_000_000,
  annotationsPerDay: 2_000_000,
  firstHourShare: 0.3,
  busiestMinuteFactor: 2,
  verificationsPerDay: 2_000_000,
  registrationsPerDay: 100_000,
  sizingHeadroom: 2.5,
  routeFloor: { rateLimit: 50, burstLimit: 100 },
  // Raised quotas to hold before the day (README, "Before results day"): at AWS's defaults — 1,000 concurrent
  // executions, 10,000 requests/s — the scrypt logins leave 1.8× and the routes' limits sum to more than the account
  // allows (docs/capacity.md, 2026-12-03 measurement).
  lambdaAccountConcurrency: 2_000,
  httpApiAccountRate: 20_000,
  perClientRequestsPer5Minutes: 3_000,
};

/** A public RFC 3161 TSA (DigiCert's): fine for a test deployment, not a qualified TSA. */
export const DEFAULT_TSA_URL = 'http://timestamp.digicert.com';


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
    // A hundredth of the day: enough for smoke and load tests against a dev stack.
    peak: {
      ...RESULTS_DAY,
      registeredHolders: 100_000,
      annotationsPerDay: 20_000,
      verificationsPerDay: 20_000,
      registrationsPerDay: 1_000,
      routeFloor: { rateLimit: 20, burstLimit: 40 },
      // A dev account keeps AWS's defaults.
      lambdaAccountConcurrency: 1_000,
      httpApiAccountRate: 10_000,
    },
    executeApiEndpoint: true,
    createWebAcl: false,
    warmThroughput: false,
    logRetention: RetentionDays.ONE_MONTH,
    accessLogExpirationDays: 90,
    tableDeletionProtection: false,
    auditRetentionDays: 1,
    tsaUrl: DEFAULT_TSA_URL,
    messaging: DEFAULT_MESSAGING,
  },
  prod: {
    name: 'prod',
    stackName: DEFAULT_STACK_NAME,
    peak: RESULTS_DAY,
    executeApiEndpoint: false,
    createWebAcl: true,
    warmThroughput: true,
    logRetention: RetentionDays.SIX_MONTHS,
    accessLogExpirationDays: 365,
    tableDeletionProtection: true,
    // Ten years.
    auditRetentionDays: 3653,
    tsaUrl: DEFAULT_TSA_URL,
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

const optionalChoice = <T extends string>(value: unknown, key: string, choices: Record<T, boolean>): boolean | undefined => {
  const text = optionalString(value, key);
  if (text === undefined) return undefined;
  if (!Object.hasOwn(choices, text)) throw new InvalidConfigError(`context ${key} must be one of ${Object.keys(choices).join(', ')}`);
  return choices[text as T];
};

function apiOriginFrom(readContext: ContextReader, base: EnvironmentConfig['apiOrigin']): EnvironmentConfig['apiOrigin'] {
  const domainName = optionalString(readContext('apiOriginDomainName'), 'apiOriginDomainName') ?? base?.domainName;
  const certificateArn = optionalString(readContext('apiOriginCertificateArn'), 'apiOriginCertificateArn') ?? base?.certificateArn;
  const zoneId = optionalString(readContext('apiOriginHostedZoneId'), 'apiOriginHostedZoneId') ?? base?.hostedZone?.id;
  const zoneName = optionalString(readContext('apiOriginHostedZoneName'), 'apiOriginHostedZoneName') ?? base?.hostedZone?.name;
  if (domainName === undefined && certificateArn === undefined && zoneId === undefined && zoneName === undefined) return undefined;
  if (domainName === undefined || certificateArn === undefined) {
    throw new InvalidConfigError('apiOriginDomainName and apiOriginCertificateArn go together');
  }
  if ((zoneId === undefined) !== (zoneName === undefined)) {
    throw new InvalidConfigError('apiOriginHostedZoneId and apiOriginHostedZoneName go together');
  }
  return { domainName, certificateArn, ...(zoneId && zoneName ? { hostedZone: { id: zoneId, name: zoneName } } : {}) };
}

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
    executeApiEndpoint:
      optionalChoice(readContext('executeApiEndpoint'), 'executeApiEndpoint', { enabled: true, disabled: false }) ??
      base.executeApiEndpoint,
    createWebAcl: optionalChoice(readContext('webAcl'), 'webAcl', { create: true, none: false }) ?? base.createWebAcl,
    auditRetentionDays: Number(optionalString(readContext('auditRetentionDays'), 'auditRetentionDays') ?? base.auditRetentionDays),
    tsaUrl: optionalString(readContext('tsaUrl'), 'tsaUrl') ?? base.tsaUrl,
    messaging: {
      ...base.messaging,
      emailFrom: optionalString(readContext('emailFrom'), 'emailFrom') ?? base.messaging.emailFrom,
      emailIdentity: optionalString(readContext('emailIdentity'), 'emailIdentity') ?? base.messaging.emailIdentity,
      smsOriginationIdentity:
        optionalString(readContext('smsOriginationIdentity'), 'smsOriginationIdentity') ?? base.messaging.smsOriginationIdentity,
    },
  };
  const apiOrigin = apiOriginFrom(readContext, base.apiOrigin);
  const withOrigin: EnvironmentConfig = apiOrigin ? { ...config, apiOrigin } : config;
  validateConfig(withOrigin);
  return withOrigin;
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function validatePeak(name: string, peak: PeakProfile): void {
  const positive = (value: number, key: string) => {
    if (!(Number.isFinite(value) && value > 0)) throw new InvalidConfigError(`${name}: peak.${key} must be a positive number`);
  };
  for (const key of ['registeredHolders', 'annotationsPerDay', 'busiestMinuteFactor', 'lambdaAccountConcurrency', 'httpApiAccountRate', 'perClientRequestsPer5Minutes'] as const) {
    positive(peak[key], key);
  }
  for (const key of ['verificationsPerDay', 'registrationsPerDay'] as const) {
    if (!(Number.isFinite(peak[key]) && peak[key] >= 0)) throw new InvalidConfigError(`${name}: peak.${key} must be ≥ 0`);
  }
  if (!(peak.firstHourShare > 0 && peak.firstHourShare <= 1)) throw new InvalidConfigError(`${name}: peak.firstHourShare must be in (0, 1]`);
  if (!(peak.sizingHeadroom >= 2)) {
    throw new InvalidConfigError(`${name}: peak.sizingHeadroom must be at least 2 (docs/capacity.md fails any limit below 2×)`);
  }
  validateThrottle(name, peak.routeFloor, 'peak.routeFloor');
  // WAF rate-based rules accept 10 … 2,000,000,000 requests per evaluation window.
  if (!(Number.isInteger(peak.perClientRequestsPer5Minutes) && peak.perClientRequestsPer5Minutes >= 10)) {
    throw new InvalidConfigError(`${name}: peak.perClientRequestsPer5Minutes must be an integer ≥ 10 (WAF's minimum)`);
  }
}

function validateThrottle(name: string, throttle: Throttle, key: string): void {
  if (!(Number.isFinite(throttle.rateLimit) && throttle.rateLimit > 0)) {
    throw new InvalidConfigError(`${name}: ${key}.rateLimit must be a positive number`);
  }
  if (!(Number.isInteger(throttle.burstLimit) && throttle.burstLimit >= 1)) {
    throw new InvalidConfigError(`${name}: ${key}.burstLimit must be a positive integer`);
  }
}

const SMS_ORIGINATION = /^(arn:aws[\w-]*:sms-voice:[a-z0-9-]+:\d{12}:)?(phone-number|pool|sender-id)\/[\w\-/]+$/;

export function validateConfig(config: EnvironmentConfig): void {
  validatePeak(config.name, config.peak);
  if (!config.executeApiEndpoint && !config.apiOrigin) {
    throw new InvalidConfigError(
      `${config.name}: the execute-api endpoint is disabled, so CloudFront needs the API's custom origin domain: ` +
        'set -c apiOriginDomainName=… -c apiOriginCertificateArn=… (ACM, in the stack\'s region), or keep the default ' +
        'endpoint with -c executeApiEndpoint=enabled (then it bypasses the distribution and its WAF)',
    );
  }
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
  if (config.apiOrigin) {
    if (!DNS_NAME.test(config.apiOrigin.domainName)) {
      throw new InvalidConfigError(`${config.name}: apiOriginDomainName is not a lower-case DNS name`);
    }
    if (!/^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(config.apiOrigin.certificateArn)) {
      throw new InvalidConfigError(`${config.name}: apiOriginCertificateArn must be an ACM certificate ARN (in the stack's region)`);
    }
    const zone = config.apiOrigin.hostedZone;
    if (zone && !(config.apiOrigin.domainName === zone.name || config.apiOrigin.domainName.endsWith(`.${zone.name}`))) {
      throw new InvalidConfigError(`${config.name}: apiOriginDomainName is not inside the hosted zone ${zone.name}`);
    }
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
  if (!/^https?:\/\/[^\s/]+/.test(config.tsaUrl)) throw new InvalidConfigError(`${config.name}: tsaUrl must be an http(s) URL of an RFC 3161 TSA`);
  if (config.portalWebAclArn !== undefined && !/^arn:aws[\w-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/.test(config.portalWebAclArn)) {
    throw new InvalidConfigError(`${config.name}: portalWebAclArn must be a CLOUDFRONT-scope (global, us-east-1) WAFv2 web ACL ARN`);
  }
  if (!(Number.isInteger(config.auditRetentionDays) && config.auditRetentionDays >= 1 && config.auditRetentionDays <= 36500)) {
    throw new InvalidConfigError(`${config.name}: auditRetentionDays must be a whole number of days from 1 to 36500`);
  }
  if ((config.portalDomainName === undefined) !== (config.portalCertificateArn === undefined)) {
    throw new InvalidConfigError(`${config.name}: portalDomainName and portalCertificateArn go together`);
  }
  if (config.portalDomainName !== undefined && !DNS_NAME.test(config.portalDomainName)) {
    throw new InvalidConfigError(`${config.name}: portalDomainName is not a lower-case DNS name`);
  }
  if (config.portalCertificateArn !== undefined && !/^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(config.portalCertificateArn)) {
    throw new InvalidConfigError(`${config.name}: portalCertificateArn must be an ACM certificate in us-east-1 (CloudFront's region)`);
  }
}
