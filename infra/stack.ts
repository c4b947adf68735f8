import { join } from 'node:path';
import { CfnOutput, Stack, Tags, Token, type StackProps } from 'aws-cdk-lib';
import { ENV } from '../shared/config/env';
import type { Construct } from 'constructs';
import type { FunctionDecl } from '../shared/resources/functions';
import { STACK_OUTPUTS } from '../shared/resources/outputs';
import { PORTAL_DIST } from '../shared/resources/portal';
import type { RouteDecl } from '../shared/resources/routes';
import { InvalidConfigError, type EnvironmentConfig } from './config';
import { CLOUDFRONT_WEB_ACL_REGION, EdgeStack, EdgeWebAcl } from './constructs/edge-web-acl';
import { Functions } from './constructs/functions';
import { EcertHttpApi } from './constructs/http-api';
import { Observability } from './constructs/observability';
import { Portal } from './constructs/portal';
import { AnnotationPipeline } from './constructs/pipeline';
import { AppSecrets, SECRET_SPECS } from './constructs/secrets';
import { SigningCa } from './constructs/signing-ca';
import { SigningKeyInit } from './constructs/signing-key';
import { Storage } from './constructs/storage';
import { AuditArchive } from './constructs/audit-archive';
import { BulkImport } from './constructs/bulk-import';
import { OperationsDashboard } from './constructs/dashboard';
import { REPO_ROOT } from '../shared/repo-root';
import { sizeStack, type MeasuredInputs, type Sizing } from './sizing';

export interface EcertStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** Function declarations; defaults to shared/resources/functions.ts (tests pass their own). */
  readonly functions?: Readonly<Record<string, FunctionDecl>>;
  /** Route table; defaults to shared/resources/routes.ts. */
  readonly routes?: readonly RouteDecl[];
  /** The portal's build output; defaults to portal/dist (built by `npm run synth`, `npm test` and `npm start`). */
  readonly portalDir?: string;
  /** Measured per-annotation costs; default docs/per-annotation.json and docs/benchmarks.json (infra/measured.ts). */
  readonly measured?: MeasuredInputs;
}

/** Stack-level key of the render consumer among the declarations: it is sized from the peak profile. */
const RENDER_KEY = 'render';

/**
 * The whole service in one stack: storage, annotation pipeline, secrets, functions, HTTP API, alarms.
 * Outputs are exactly STACK_OUTPUTS: the operator CLI finds a deployed system through them.
 */
export class EcertStack extends Stack {
  readonly storage: Storage;
  readonly pipeline: AnnotationPipeline;
  readonly secrets: AppSecrets;
  readonly signingCa: SigningCa;
  readonly signingKeyInit: SigningKeyInit;
  readonly functions: Functions;
  readonly httpApi: EcertHttpApi;
  readonly portal: Portal;
  readonly observability: Observability;
  /** The environment's sizing from its peak profile and the measured costs (infra/sizing.ts). */
  readonly sizing: Sizing;
  /** The us-east-1 stack with the distribution's web ACL, when this stack creates one in another Region. */
  readonly edge?: EdgeStack;
  readonly bulkImport: BulkImport;
  readonly auditArchive: AuditArchive;
  readonly dashboard: OperationsDashboard;

  constructor(scope: Construct, id: string, props: EcertStackProps) {
    const { config } = props;
    const createsWebAcl = config.createWebAcl && !config.portalWebAclArn;
    const region = props.env?.region;
    if (createsWebAcl && (region === undefined || Token.isUnresolved(region))) {
      throw new InvalidConfigError(
        `${config.name}: the stack creates the distribution's web ACL in ${CLOUDFRONT_WEB_ACL_REGION} and needs its own ` +
          'Region to reference it: deploy with credentials for the target Region (CDK_DEFAULT_REGION), pass an existing ' +
          'ACL with -c portalWebAclArn=…, or -c webAcl=none',
      );
    }
    const edgeStack = createsWebAcl && region !== CLOUDFRONT_WEB_ACL_REGION;
    super(scope, id, {
      description: 'ecert: professional-qualification e-certificates',
      ...props,
      ...(edgeStack ? { crossRegionReferences: true } : {}),
    });
    Tags.of(this).add('service', 'ecert');
    Tags.of(this).add('environment', config.name);
    this.sizing = sizeStack(config, { inputs: props.measured, functions: props.functions, routes: props.routes });

    this.storage = new Storage(this, 'Storage', {
      accessLogExpirationDays: config.accessLogExpirationDays,
      tableDeletionProtection: config.tableDeletionProtection,
      warmThroughput: this.sizing.warmThroughput,
    });
    this.pipeline = new AnnotationPipeline(this, 'Pipeline');
    this.secrets = new AppSecrets(this, 'Secrets');
    // The seal's issuing CA lives in KMS; a fresh deployment gets a self-signed CA certificate for it unless one is
    // already installed (docs/signing.md).
    this.signingCa = new SigningCa(this, 'SigningCa', { aliasName: `alias/${config.stackName}-seal-ca` });
    this.signingKeyInit = new SigningKeyInit(this, 'SigningKeyInit', {
      secret: this.secrets.secret('secret:signing-key'),
      caKey: this.signingCa.key,
      organization: `${config.stackName} (${config.name})`,
      logRetention: config.logRetention,
      secretGeneration: JSON.stringify(SECRET_SPECS['secret:signing-key'].generate),
    });
    this.functions = new Functions(this, 'Functions', {
      table: this.storage.table,
      documents: this.storage.documents,
      pipeline: this.pipeline,
      secrets: this.secrets,
      logRetention: config.logRetention,
      publicBaseUrl: config.publicBaseUrl,
      signingCaKey: this.signingCa.key,
      tsaUrl: config.tsaUrl,
      messaging: config.messaging,
      functions: props.functions,
      concurrency: { [RENDER_KEY]: this.sizing.render },
    });
    this.httpApi = new EcertHttpApi(this, 'Http', {
      functions: this.functions,
      stageThrottle: this.sizing.stageThrottle,
      routeThrottles: this.sizing.routeThrottles,
      executeApiEndpoint: config.executeApiEndpoint,
      origin: config.apiOrigin,
      logRetention: config.logRetention,
      routes: props.routes,
    });
    let webAclArn = config.portalWebAclArn;
    if (createsWebAcl) {
      const aclProps = { perClientRequestsPer5Minutes: this.sizing.perClientRequestsPer5Minutes, metricPrefix: config.stackName };
      if (edgeStack) {
        this.edge = new EdgeStack(scope, `${id}Edge`, {
          ...aclProps,
          env: { account: props.env?.account, region: CLOUDFRONT_WEB_ACL_REGION },
          tags: { service: 'ecert', environment: config.name },
        });
        webAclArn = this.edge.acl.arn;
      } else {
        webAclArn = new EdgeWebAcl(this, 'Edge', aclProps).arn;
      }
    }
    this.portal = new Portal(this, 'Portal', {
      apiOriginHost: this.httpApi.originHost(this.region, this.urlSuffix),
      assetDir: props.portalDir ?? join(REPO_ROOT, PORTAL_DIST),
      accessLogs: this.storage.accessLogs,
      accessLogExpirationDays: config.accessLogExpirationDays,
      logRetention: config.logRetention,
      webAclArn,
      ...(config.portalDomainName && config.portalCertificateArn
        ? { domain: { name: config.portalDomainName, certificateArn: config.portalCertificateArn } }
        : {}),
    });
    if (!config.publicBaseUrl) {
      // The QR code on every PDF opens {public base URL}/v1/verify/{code}: the portal's CloudFront origin, where
      // /v1/* reaches the API and a browser is sent on to the portal's verification page. Functions outside the API
      // (the renderer) learn the URL here; HTTP handlers cannot (the distribution depends on the API: a cycle).
      for (const [key, fn] of this.functions.entries()) {
        if (this.functions.declarations[key]?.trigger) fn.addEnvironment(ENV.publicBaseUrl, this.portal.url);
      }
    }
    this.observability = new Observability(this, 'Observability', {
      functions: this.functions,
      queue: this.pipeline.queue,
      deadLetterQueue: this.pipeline.deadLetterQueue,
      table: this.storage.table,
      api: this.httpApi.api,
      accessLogs: this.httpApi.accessLogs,
      renderFunction: RENDER_KEY,
      renderDurationAlarmMs: this.sizing.renderDurationAlarmMs,
      alarmEmail: config.alarmEmail,
    });

    // Issue 13: operations (bulk import, audit archive, dashboard).
    const ops = { functions: this.functions, accessLogs: this.storage.accessLogs, logRetention: config.logRetention };
    this.bulkImport = new BulkImport(this, 'BulkImport', ops);
    this.auditArchive = new AuditArchive(this, 'AuditArchive', { ...ops, retentionDays: config.auditRetentionDays });
    this.dashboard = new OperationsDashboard(this, 'Dashboard', { alarms: this.observability.alarms, queue: this.pipeline.queue, deadLetterQueue: this.pipeline.deadLetterQueue });

    const outputs: Record<keyof typeof STACK_OUTPUTS, { value: string; description: string }> = {
      // With the default endpoint disabled the API's only public base URL is the distribution's (WAF, route throttles).
      apiUrl: config.executeApiEndpoint
        ? { value: this.httpApi.url, description: 'Base URL of the HTTP API (its default execute-api endpoint)' }
        : { value: `${this.portal.url}/`, description: 'Base URL of the HTTP API: the portal distribution, which routes /v1/* to it' },
      portalUrl: { value: this.portal.url, description: 'Holder portal (CloudFront; the API is on the same origin under /v1)' },
      tableName: { value: this.storage.table.tableName, description: 'DynamoDB table' },
      bucketName: { value: this.storage.documents.bucketName, description: 'Private document bucket' },
      queueUrl: { value: this.pipeline.queue.queueUrl, description: 'Annotation render queue' },
      deadLetterQueueUrl: { value: this.pipeline.deadLetterQueue.queueUrl, description: 'Annotation dead-letter queue' },
      idHashKeySecretArn: {
        value: this.secrets.secret('secret:id-hash-key').secretArn,
        description: 'Secrets Manager ARN of the ID-number hash key',
      },
      jwtKeySecretArn: {
        value: this.secrets.secret('secret:jwt-key').secretArn,
        description: 'Secrets Manager ARN of the session token key',
      },
      signingKeySecretArn: {
        value: this.secrets.secret('secret:signing-key').secretArn,
        description: 'Secrets Manager ARN of the PDF signing key bundle (ecert signing-key install --stack ...)',
      },
      importBucketName: { value: this.bulkImport.bucket.bucketName, description: 'Uploads and reports of import --via-s3' },
      importStateMachineArn: { value: this.bulkImport.stateMachine.stateMachineArn, description: 'Distributed Map import state machine' },
      auditArchiveBucketName: { value: this.auditArchive.bucket.bucketName, description: 'Audit archive (S3 Object Lock, compliance mode)' },
      dashboardName: { value: this.dashboard.dashboard.dashboardName, description: 'CloudWatch operations dashboard' },
    };
    for (const [key, output] of Object.entries(outputs) as [keyof typeof STACK_OUTPUTS, (typeof outputs)[keyof typeof STACK_OUTPUTS]][]) {
      new CfnOutput(this, STACK_OUTPUTS[key], output);
    }
  }
}
