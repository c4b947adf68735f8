import { existsSync } from 'node:fs';
import { isAbsolute, join, normalize, posix } from 'node:path';
import { Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  FilterCriteria,
  LoggingFormat,
  Runtime,
  StartingPosition,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { toFilterPattern } from '../../shared/resources/stream-filters';
import {
  NodejsFunction,
  OutputFormat,
  type BundlingOptions,
  type ICommandHooks,
  type NodejsFunctionProps,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env';
import { BUCKET } from '../../shared/resources/bucket';
import {
  FUNCTIONS,
  isBucketAccess,
  isOperationsAccess,
  parseBucketAccess,
  type Access,
  type BucketAccess,
  type FunctionDecl,
} from '../../shared/resources/functions';
import { QUEUES, SQS_DEFAULT_VISIBILITY_SECONDS, VISIBILITY_TO_TIMEOUT_RATIO } from '../../shared/resources/queues';
import { TABLE } from '../../shared/resources/table';
import { acknowledge } from '../nag';
import { REPO_ROOT } from '../../shared/repo-root';
import type { AnnotationPipeline, QueueName, QueueSettings } from './pipeline';
import { AppSecrets } from './secrets';
import type { MessagingConfig } from '../config';

/** The newest Node.js runtime this aws-cdk-lib offers (cdk-nag AwsSolutions-L1 checks it stays that way). */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/** Lets bundled ESM code load CommonJS dependencies that call `require`. */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/** Powertools service name of every function. */
export const SERVICE_NAME = 'ecert';

/** DynamoDB actions per table access. Reads reach the table and its indexes; writes the table only. */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;

export interface FunctionsProps {
  readonly table: Table;
  readonly documents: Bucket;
  readonly pipeline: AnnotationPipeline;
  readonly secrets: AppSecrets;
  readonly logRetention: RetentionDays;
  readonly publicBaseUrl?: string;
  /** The seal's issuing-CA key (access `kms:sign`) and the TSA the renders use (docs/signing.md). */
  readonly signingCaKey?: IKey;
  readonly tsaUrl?: string;
  /** Senders of the functions with `email:send` / `sms:send` access. */
  readonly messaging: MessagingConfig;
  /** Declarations to build; defaults to shared/resources/functions.ts (tests pass their own). */
  readonly functions?: Readonly<Record<string, FunctionDecl>>;
  /**
   * Per declaration key, the environment's sizing of a queue consumer (infra/sizing.ts): reserved concurrency and the
   * event source's maximum concurrency, replacing the declaration's defaults.
   */
  readonly concurrency?: Readonly<Record<string, { readonly reservedConcurrency: number; readonly maxConcurrency: number }>>;
}

/** X-Ray's write actions exist only with Resource "*" (no resource-level permissions). */
export const XRAY_WRITE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;

/**
 * Checks a declared asset path and returns it in POSIX form: repo-relative, inside the repo, existing.
 * The bundle carries it at the same relative path, i.e. at `$LAMBDA_TASK_ROOT/<path>` in the cloud.
 */
export function checkAssetPath(asset: string, repoRoot = REPO_ROOT): string {
  const relative = normalize(asset).split('\\').join('/');
  if (isAbsolute(asset) || relative === '..' || relative.startsWith('../') || relative === '.') {
    throw new Error(`asset "${asset}" must be a path inside the repository, relative to its root`);
  }
  if (!existsSync(join(repoRoot, relative))) throw new Error(`asset "${asset}" does not exist under ${repoRoot}`);
  return relative;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** Shell commands (run after esbuild) that copy each repo-relative asset into the bundle, keeping its path. */
export function assetCopyCommands(inputDir: string, outputDir: string, assets: readonly string[]): string[] {
  return assets.flatMap((asset) => {
    const target = posix.join(outputDir, asset);
    return [
      `mkdir -p ${shellQuote(posix.dirname(target))}`,
      `cp ${shellQuote(posix.join(inputDir, asset))} ${shellQuote(target)}`,
    ];
  });
}

function assetHooks(assets: readonly string[]): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) => assetCopyCommands(inputDir, outputDir, assets),
  };
}

/**
 * What every NodejsFunction of the stack shares: entry (repo-relative), runtime, architecture and the esbuild
 * bundling (local esbuild, ESM, minified with source maps, AWS SDK bundled, `assets` copied in). Used for the
 * declared functions and for the stack's own custom-resource handler (constructs/signing-key.ts).
 */
export function nodejsFunctionBase(
  entry: string,
  assets: readonly string[] = [],
): Pick<
  NodejsFunctionProps,
  'entry' | 'handler' | 'projectRoot' | 'depsLockFilePath' | 'runtime' | 'architecture' | 'bundling'
> {
  return {
    entry: join(REPO_ROOT, entry),
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
    runtime: LAMBDA_RUNTIME,
    architecture: Architecture.ARM_64,
    bundling: bundlingOptions(assets),
  };
}

export function bundlingOptions(assets: readonly string[] = []): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    // The SDK version is the one in package-lock.json, the same the local runtime and tests run.
    bundleAwsSDK: true,
    commandHooks: assets.length > 0 ? assetHooks(assets) : undefined,
  };
}

/**
 * A declaration with the environment's sizing applied. The event source's maximum concurrency may never exceed the
 * function's reservation: beyond it invocations are throttled, and a throttled message returns after the visibility
 * timeout and counts a receive towards the DLQ without being rendered.
 */
export function withConcurrency(
  decl: FunctionDecl,
  sized?: { readonly reservedConcurrency: number; readonly maxConcurrency: number },
): FunctionDecl {
  const trigger = decl.trigger;
  if (sized && trigger?.type !== 'queue') throw new Error(`${decl.id}: concurrency sizing applies to queue consumers only`);
  const sizedDecl: FunctionDecl =
    sized && trigger?.type === 'queue'
      ? { ...decl, reservedConcurrency: sized.reservedConcurrency, trigger: { ...trigger, maxConcurrency: sized.maxConcurrency } }
      : decl;
  const t = sizedDecl.trigger;
  if (t?.type === 'queue') {
    if (!(Number.isInteger(t.maxConcurrency) && t.maxConcurrency >= 2 && t.maxConcurrency <= 1000)) {
      throw new Error(`${decl.id}: the event source's maxConcurrency must be an integer from 2 to 1,000 (got ${t.maxConcurrency})`);
    }
    if (sizedDecl.reservedConcurrency !== undefined && t.maxConcurrency > sizedDecl.reservedConcurrency) {
      throw new Error(
        `${decl.id}: the event source's maxConcurrency ${t.maxConcurrency} exceeds the reserved concurrency ` +
          `${sizedDecl.reservedConcurrency}: messages would be throttled and reach the DLQ unrendered`,
      );
    }
  }
  return sizedDecl;
}

/**
 * Every Lambda function, built generically from its declaration: bundling, log group, least-privilege role from
 * `access`, environment, and trigger (queue or schedule; HTTP functions are wired by the HttpApi construct).
 */
export class Functions extends Construct {
  readonly declarations: Readonly<Record<string, FunctionDecl>>;
  private readonly built = new Map<string, NodejsFunction>();

  constructor(scope: Construct, id: string, private readonly props: FunctionsProps) {
    super(scope, id);
    this.declarations = props.functions ?? FUNCTIONS;
    const ids = new Set<string>();
    for (const [key, declared] of Object.entries(this.declarations)) {
      if (ids.has(declared.id)) throw new Error(`function id "${declared.id}" is declared twice`);
      ids.add(declared.id);
      this.built.set(key, this.buildFunction(withConcurrency(declared, props.concurrency?.[key])));
    }
  }

  /** The function built for a declaration key (`FUNCTIONS.<key>`). */
  get(key: string): NodejsFunction {
    const fn = this.built.get(key);
    if (!fn) throw new Error(`no function declared under key "${key}"`);
    return fn;
  }

  entries(): [string, NodejsFunction][] {
    return [...this.built.entries()];
  }

  private buildFunction(decl: FunctionDecl): NodejsFunction {
    const scope = new Construct(this, decl.id);
    const logGroup = new LogGroup(scope, 'Logs', { retention: this.props.logRetention });
    // An explicit role: log permissions on this function's own log group instead of the AWSLambdaBasicExecutionRole
    // managed policy (which allows writing to every log group in the account).
    const role = new Role(scope, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `ecert ${decl.id} function`,
    });
    logGroup.grantWrite(role);

    const assets = (decl.assets ?? []).map((asset) => checkAssetPath(asset));
    const fn = new NodejsFunction(scope, 'Function', {
      ...nodejsFunctionBase(decl.entry, assets),
      memorySize: decl.memoryMb,
      timeout: Duration.seconds(decl.timeoutSeconds),
      reservedConcurrentExecutions: decl.reservedConcurrency,
      description: `ecert ${decl.id} (${decl.entry})`,
      role,
      logGroup,
      environment: this.environmentFor(decl),
      // Every invocation is traced; the code side (Powertools tracer, every SDK client captured) is shared/observability.ts.
      tracing: Tracing.ACTIVE,
      // Powertools writes JSON already; Lambda's own START/END/REPORT lines (INFO) would be ~350 bytes per invocation
      // of ingestion, and CloudWatch's Lambda metrics carry the same figures (docs/cost-model.md).
      loggingFormat: LoggingFormat.JSON,
      systemLogLevelV2: SystemLogLevel.WARN,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
    });
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      `Active X-Ray tracing: ${XRAY_WRITE_ACTIONS.join(' and ')} support no resource-level permissions, so Lambda's ` +
        'tracing grant is on Resource "*"; it allows writing trace data only, nothing is read.',
    );

    for (const access of new Set(decl.access)) this.grant(role, access);
    this.attachTrigger(scope, fn, decl);
    return fn;
  }

  private environmentFor(decl: FunctionDecl): Record<string, string> {
    const { table, documents, pipeline, secrets, publicBaseUrl } = this.props;
    const environment: Record<string, string> = {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    };
    if (publicBaseUrl) environment[ENV.publicBaseUrl] = publicBaseUrl;
    if (decl.access.includes('kms:sign') && this.props.tsaUrl) environment[ENV.tsaUrl] = this.props.tsaUrl;
    for (const access of decl.access) {
      // Every table access needs the name, the item-scoped ones (audit events, report counters) too.
      if (access === 'table:read' || access === 'table:write' || access === 'table:audit' || access === 'table:stats') {
        environment[ENV.tableName] = table.tableName;
      } else if (isBucketAccess(access)) environment[ENV.bucketName] = documents.bucketName;
      else if (access === 'queue:send' || access === 'queue:depth') environment[ENV.queueUrl] = pipeline.queue.queueUrl;
      else if (AppSecrets.isSecretAccess(access)) environment[secrets.envName(access)] = secrets.secret(access).secretArn;
      else if (access === 'email:send') {
        environment[ENV.emailFrom] = this.props.messaging.emailFrom;
        if (this.props.messaging.emailConfigurationSet) environment[ENV.emailConfigurationSet] = this.props.messaging.emailConfigurationSet;
      } else if (access === 'sms:send') {
        environment[ENV.smsOrigination] = this.smsOriginationArn();
        if (this.props.messaging.smsConfigurationSet) environment[ENV.smsConfigurationSet] = this.props.messaging.smsConfigurationSet;
      }
    }
    // Reminders are planned where annotations are applied for (the HTTP function that enqueues renders) with remind: true.
    if (decl.access.includes('queue:send') && !decl.trigger) environment[ENV.reminderDays] = this.props.messaging.reminderDays.join(',');
    // A queue consumer may change its messages' visibility: it gets the URL of the queue it consumes.
    if (decl.trigger?.type === 'queue') {
      environment[decl.trigger.queue === 'annotations' ? ENV.queueUrl : ENV.deadLetterQueueUrl] =
        pipeline.queueByName(decl.trigger.queue).queueUrl;
    }
    return environment;
  }

  private grant(role: Role, access: Access): void {
    const { table, pipeline, secrets } = this.props;
    if (isBucketAccess(access)) return this.grantObjects(role, access);
    // The buckets of issue 13 belong to their constructs (BulkImport, AuditArchive), which grant these.
    if (isOperationsAccess(access)) return;
    switch (access) {
      case 'table:audit':
      case 'table:stats': {
        // Writes confined to one kind of item by its partition key prefix (IAM dynamodb:LeadingKeys).
        const prefix = access === 'table:audit' ? 'AUDIT#' : 'STATS#';
        const actions = access === 'table:audit' ? ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'] : ['dynamodb:UpdateItem'];
        role.addToPrincipalPolicy(
          new PolicyStatement({
            actions,
            resources: [table.tableArn],
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}*`] } },
          }),
        );
        return;
      }
      case 'table:read': {
        const indexArns = Object.values(TABLE.indexes).map((index) => `${table.tableArn}/index/${index.name}`);
        role.addToPrincipalPolicy(
          new PolicyStatement({ actions: [...TABLE_READ_ACTIONS], resources: [table.tableArn, ...indexArns] }),
        );
        return;
      }
      case 'table:write':
        role.addToPrincipalPolicy(new PolicyStatement({ actions: [...TABLE_WRITE_ACTIONS], resources: [table.tableArn] }));
        return;
      case 'queue:send':
        // SendMessage only: the queue URL comes from the environment, so the GetQueueUrl and GetQueueAttributes that
        // grantSendMessages adds are never called. (SSE-SQS needs no KMS grant; a customer-managed key would.)
        role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [pipeline.queue.queueArn] }));
        return;
      case 'queue:depth':
        role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [pipeline.queue.queueArn] }));
        return;
      case 'secret:id-hash-key':
      case 'secret:jwt-key':
      case 'secret:signing-key':
        // GetSecretValue only (grantRead adds DescribeSecret, which no function calls). AWS-managed key: no kms grant.
        role.addToPrincipalPolicy(
          new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secrets.secret(access).secretArn] }),
        );
        return;
      case 'kms:sign': {
        // Sign only, on the one key: no GetPublicKey, no other key (the CA certificate is in the bundle).
        if (!this.props.signingCaKey) throw new Error('kms:sign needs the signing CA key (FunctionsProps.signingCaKey)');
        role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Sign'], resources: [this.props.signingCaKey.keyArn] }));
        return;
      }
      case 'email:send': {
        // SendEmail from the configured identity (and through its configuration set, which SES also authorises).
        const { emailIdentity, emailConfigurationSet } = this.props.messaging;
        const stack = Stack.of(this);
        const resources = [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: emailIdentity })];
        if (emailConfigurationSet) resources.push(stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: emailConfigurationSet }));
        role.addToPrincipalPolicy(new PolicyStatement({ actions: ['ses:SendEmail'], resources }));
        return;
      }
      case 'sms:send': {
        const resources = [this.smsOriginationArn()];
        const { smsConfigurationSet } = this.props.messaging;
        if (smsConfigurationSet) {
          resources.push(Stack.of(this).formatArn({ service: 'sms-voice', resource: 'configuration-set', resourceName: smsConfigurationSet }));
        }
        role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sms-voice:SendTextMessage'], resources }));
        return;
      }
      default: {
        const unknown: never = access;
        throw new Error(`unsupported access ${String(unknown)}`);
      }
    }
  }

  /** The SMS origination identity as an ARN (SendTextMessage takes the ARN as OriginationIdentity too). */
  private smsOriginationArn(): string {
    const identity = this.props.messaging.smsOriginationIdentity;
    if (identity.startsWith('arn:')) return identity;
    const [resource, ...rest] = identity.split('/');
    return Stack.of(this).formatArn({ service: 'sms-voice', resource: resource!, resourceName: rest.join('/') });
  }

  /** One action on the objects under one key prefix of the document bucket: a function reaches no other prefix. */
  private grantObjects(role: Role, access: BucketAccess): void {
    const { documents } = this.props;
    const { mode, prefix: name } = parseBucketAccess(access);
    const prefix = BUCKET.prefixes[name];
    const action = mode === 'read' ? 's3:GetObject' : 's3:PutObject';
    role.addToPrincipalPolicy(new PolicyStatement({ actions: [action], resources: [documents.arnForObjects(`${prefix}*`)] }));
    const bucketId = Stack.of(this).getLogicalId(documents.node.defaultChild as CfnElement);
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
      `Object keys are per certificate and annotation (${prefix}<certId>/…) and created at run time, so ${action} is ` +
        `scoped to the "${prefix}" key prefix of the document bucket, the only prefix this function's access names.`,
    );
  }

  private attachTrigger(scope: Construct, fn: NodejsFunction, decl: FunctionDecl): void {
    const trigger = decl.trigger;
    if (!trigger) return;
    if (trigger.type === 'queue') {
      const settings: QueueSettings = QUEUES[trigger.queue as QueueName];
      const visibility = settings.visibilityTimeoutSeconds ?? SQS_DEFAULT_VISIBILITY_SECONDS;
      if (visibility < VISIBILITY_TO_TIMEOUT_RATIO * decl.timeoutSeconds) {
        throw new Error(
          `${decl.id}: queue "${trigger.queue}" visibility timeout ${visibility}s is less than ` +
            `${VISIBILITY_TO_TIMEOUT_RATIO}× the consumer timeout (${decl.timeoutSeconds}s); raise it in shared/resources/queues.ts`,
        );
      }
      fn.addEventSource(
        new SqsEventSource(this.props.pipeline.queueByName(trigger.queue), {
          batchSize: trigger.batchSize,
          reportBatchItemFailures: true,
          maxConcurrency: trigger.maxConcurrency,
          maxBatchingWindow:
            settings.maxBatchingWindowSeconds !== undefined && settings.maxBatchingWindowSeconds > 0
              ? Duration.seconds(settings.maxBatchingWindowSeconds)
              : undefined,
        }),
      );
      return;
    }
    if (trigger.type === 'stream') {
      // Batches that still fail after the retries (and bisection) are kept here for an operator instead of dropped.
      const failures = new Queue(scope, 'StreamFailures', {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      acknowledge(
        failures,
        'AwsSolutions-SQS3',
        'This queue is itself the on-failure destination of the stream event source mapping: it holds the descriptions of batches that failed all retries, so a DLQ behind it would have nothing to catch.',
      );
      acknowledge(
        fn.role!,
        'AwsSolutions-IAM5[Resource::*]',
        'The stream event source mapping needs dynamodb:ListStreams, which has no resource-level permissions; reading the stream itself (DescribeStream, GetShardIterator, GetRecords) is granted on the table\'s stream ARN only.',
      );
      fn.addEventSource(
        new DynamoEventSource(this.props.table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: trigger.batchSize,
          maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
          bisectBatchOnError: true,
          retryAttempts: 10,
          reportBatchItemFailures: false,
          onFailure: new SqsDlq(failures),
          filters: trigger.filters.map((filter) => FilterCriteria.filter(toFilterPattern(filter) as never)),
        }),
      );
      return;
    }
    new Rule(scope, 'Schedule', {
      description: `ecert ${decl.id} every ${trigger.everyMinutes} min`,
      schedule: Schedule.rate(Duration.minutes(trigger.everyMinutes)),
      targets: [new LambdaFunction(fn, { retryAttempts: 2 })],
    });
  }
}
