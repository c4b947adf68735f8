import { join } from 'node:path';
import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { ENV } from '../shared/config/env';
import type { Construct } from 'constructs';
import type { FunctionDecl } from '../shared/resources/functions';
import { STACK_OUTPUTS } from '../shared/resources/outputs';
import { PORTAL_DIST } from '../shared/resources/portal';
import type { RouteDecl } from '../shared/resources/routes';
import type { EnvironmentConfig } from './config';
import { Functions } from './constructs/functions';
import { EcertHttpApi } from './constructs/http-api';
import { Observability } from './constructs/observability';
import { Portal } from './constructs/portal';
import { AnnotationPipeline } from './constructs/pipeline';
import { AppSecrets, SECRET_SPECS } from './constructs/secrets';
import { SigningKeyInit } from './constructs/signing-key';
import { Storage } from './constructs/storage';
import { REPO_ROOT } from '../shared/repo-root';

export interface EcertStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** Function declarations; defaults to shared/resources/functions.ts (tests pass their own). */
  readonly functions?: Readonly<Record<string, FunctionDecl>>;
  /** Route table; defaults to shared/resources/routes.ts. */
  readonly routes?: readonly RouteDecl[];
  /** The portal's build output; defaults to portal/dist (built by `npm run synth`, `npm test` and `npm start`). */
  readonly portalDir?: string;
}

/**
 * The whole service in one stack: storage, annotation pipeline, secrets, functions, HTTP API, alarms.
 * Outputs are exactly STACK_OUTPUTS: the operator CLI finds a deployed system through them.
 */
export class EcertStack extends Stack {
  readonly storage: Storage;
  readonly pipeline: AnnotationPipeline;
  readonly secrets: AppSecrets;
  readonly signingKeyInit: SigningKeyInit;
  readonly functions: Functions;
  readonly httpApi: EcertHttpApi;
  readonly portal: Portal;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: EcertStackProps) {
    super(scope, id, { description: 'ecert: professional-qualification e-certificates', ...props });
    const { config } = props;
    Tags.of(this).add('service', 'ecert');
    Tags.of(this).add('environment', config.name);

    this.storage = new Storage(this, 'Storage', {
      accessLogExpirationDays: config.accessLogExpirationDays,
      tableDeletionProtection: config.tableDeletionProtection,
    });
    this.pipeline = new AnnotationPipeline(this, 'Pipeline');
    this.secrets = new AppSecrets(this, 'Secrets');
    // A fresh deployment can sign at once: a self-signed key unless a valid one is already installed (docs/signing.md).
    this.signingKeyInit = new SigningKeyInit(this, 'SigningKeyInit', {
      secret: this.secrets.secret('secret:signing-key'),
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
      messaging: config.messaging,
      functions: props.functions,
    });
    this.httpApi = new EcertHttpApi(this, 'Http', {
      functions: this.functions,
      throttling: config.throttling,
      logRetention: config.logRetention,
      routes: props.routes,
    });
    this.portal = new Portal(this, 'Portal', {
      api: this.httpApi.api,
      assetDir: props.portalDir ?? join(REPO_ROOT, PORTAL_DIST),
      accessLogs: this.storage.accessLogs,
      accessLogExpirationDays: config.accessLogExpirationDays,
      logRetention: config.logRetention,
      webAclArn: config.portalWebAclArn,
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
      deadLetterQueue: this.pipeline.deadLetterQueue,
      api: this.httpApi.api,
      alarmEmail: config.alarmEmail,
    });

    const outputs: Record<keyof typeof STACK_OUTPUTS, { value: string; description: string }> = {
      apiUrl: { value: this.httpApi.url, description: 'Base URL of the HTTP API' },
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
    };
    for (const [key, output] of Object.entries(outputs) as [keyof typeof STACK_OUTPUTS, (typeof outputs)[keyof typeof STACK_OUTPUTS]][]) {
      new CfnOutput(this, STACK_OUTPUTS[key], output);
    }
  }
}
