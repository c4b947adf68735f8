import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config';
import { ENV } from '../../shared/config/env';
import { ACCESS_LOG_FIELDS } from '../../infra/constructs/http-api';
import { LAMBDA_RUNTIME } from '../../infra/constructs/functions';
import { BUCKET } from '../../shared/resources/bucket';
import { FUNCTIONS, type FunctionDecl } from '../../shared/resources/functions';
import { DEFAULT_STACK_NAME, STACK_OUTPUTS } from '../../shared/resources/outputs';
import { QUEUES, RENDER_CONSUMER_TIMEOUT_SECONDS } from '../../shared/resources/queues';
import { ROUTES } from '../../shared/resources/routes';
import { TABLE } from '../../shared/resources/table';
import { inspectCaBundle } from '../../shared/signing/key-store';
import { actionsOfRole, logicalId, ofType, synth, synthProd, type Synthesized } from '../support/synth';

const dev = ENVIRONMENTS.dev;
const functionCount = Object.keys(FUNCTIONS).length;

describe('EcertStack (shared declarations, dev config)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  it('tells every function that touches the table its name, item-scoped writers (audit events, report counters) too', () => {
    const tableAccess = ['table:read', 'table:write', 'table:audit', 'table:stats'];
    for (const [key, decl] of Object.entries(FUNCTIONS as Record<string, { access: readonly string[] }>)) {
      if (!decl.access.some((access) => tableAccess.includes(access))) continue;
      const variables = (s.json.Resources[logicalId(s.stack.functions.get(key))]!.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect(variables[ENV.tableName], key).toEqual({ Ref: logicalId(s.stack.storage.table) });
    }
  });

  it('is named after DEFAULT_STACK_NAME and synthesizes without CDK warnings or errors', () => {
    expect(s.stack.stackName).toBe(DEFAULT_STACK_NAME);
    const annotations = Annotations.fromStack(s.stack);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  describe('DynamoDB table', () => {
    it('is on-demand, PITR, TTL on the declared attribute, encrypted, keyed as declared, retained', () => {
      s.template.resourceCountIs('AWS::DynamoDB::Table', 1);
      s.template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
          SSESpecification: { SSEEnabled: true },
          KeySchema: [
            { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
          ],
        }),
      });
    });

    it('has exactly the declared GSIs with their projections', () => {
      const [table] = Object.values(ofType(s.json, 'AWS::DynamoDB::Table'));
      const gsis = table!.Properties.GlobalSecondaryIndexes as {
        IndexName: string;
        KeySchema: { AttributeName: string; KeyType: string }[];
        Projection: { ProjectionType: string };
      }[];
      const expected = Object.values(TABLE.indexes).map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projection },
      }));
      expect(gsis).toEqual(expected);
    });
  });

  describe('document bucket', () => {
    it('blocks public access, is encrypted, logs to the access-log bucket, expires annotation PDFs, is retained', () => {
      const documents = logicalId(s.stack.storage.documents);
      const accessLogs = logicalId(s.stack.storage.accessLogs);
      const bucket = s.json.Resources[documents]!;
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        LoggingConfiguration: { DestinationBucketName: { Ref: accessLogs } },
      });
      const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
      expect(rules).toContainEqual(
        expect.objectContaining({
          Prefix: BUCKET.prefixes.annotations,
          ExpirationInDays: BUCKET.annotationObjectExpirationDays,
          Status: 'Enabled',
        }),
      );
    });

    it('denies every non-TLS request on both buckets', () => {
      for (const bucket of [s.stack.storage.documents, s.stack.storage.accessLogs]) {
        s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: logicalId(bucket) },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 's3:*',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });

    it('lets only the S3 logging service write access logs, only from the document bucket', () => {
      s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId(s.stack.storage.accessLogs) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'logging.s3.amazonaws.com' },
              Action: 's3:PutObject',
              Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': Match.anyValue() } }),
            }),
          ]),
        },
      });
    });
  });

  describe('annotation queue', () => {
    it('redrives to the DLQ after maxReceiveCount and hides messages ≥ 6× the consumer timeout', () => {
      const queue = s.json.Resources[logicalId(s.stack.pipeline.queue)]!;
      const props = queue.Properties as {
        VisibilityTimeout: number;
        RedrivePolicy: { maxReceiveCount: number; deadLetterTargetArn: unknown };
      };
      expect(props.VisibilityTimeout).toBe(QUEUES.annotations.visibilityTimeoutSeconds);
      expect(props.VisibilityTimeout).toBeGreaterThanOrEqual(6 * RENDER_CONSUMER_TIMEOUT_SECONDS);
      expect(props.RedrivePolicy).toEqual({
        maxReceiveCount: QUEUES.annotations.maxReceiveCount,
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(s.stack.pipeline.deadLetterQueue), 'Arn'] },
      });
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: QUEUES.annotations.retentionSeconds,
      });
    });

    it('keeps dead letters for the declared retention, encrypted', () => {
      expect(s.json.Resources[logicalId(s.stack.pipeline.deadLetterQueue)]!.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: QUEUES.deadLetter.retentionSeconds,
      });
    });

    it('has no consumer on the DLQ: dead letters wait for `dlq redrive`, so a visible-messages alarm on it means something', () => {
      const props = s.json.Resources[logicalId(s.stack.pipeline.deadLetterQueue)]!.Properties as { VisibilityTimeout: number };
      expect(props.VisibilityTimeout).toBe(QUEUES.deadLetter.visibilityTimeoutSeconds);
      const sources = Object.values(s.json.Resources)
        .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')
        .map((r) => JSON.stringify((r.Properties as { EventSourceArn: unknown }).EventSourceArn));
      expect(sources).toContain(JSON.stringify({ 'Fn::GetAtt': [logicalId(s.stack.pipeline.queue), 'Arn'] }));
      expect(sources).not.toContain(JSON.stringify({ 'Fn::GetAtt': [logicalId(s.stack.pipeline.deadLetterQueue), 'Arn'] }));
      const consumers = Object.values(FUNCTIONS as Record<string, FunctionDecl>).filter(
        (fn) => fn.trigger?.type === 'queue' && fn.trigger.queue === 'deadLetter',
      );
      expect(consumers).toEqual([]);
    });

    it('denies non-TLS access on both queues', () => {
      for (const queue of [s.stack.pipeline.queue, s.stack.pipeline.deadLetterQueue]) {
        s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: logicalId(queue) }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });
  });

  describe('secrets', () => {
    const secretProps = (access: 'secret:id-hash-key' | 'secret:jwt-key' | 'secret:signing-key') =>
      s.json.Resources[logicalId(s.stack.secrets.secret(access))]!.Properties;

    it('creates the id-hash and JWT keys as generated 64-character strings and the signing key, and nothing else', () => {
      s.template.resourceCountIs('AWS::SecretsManager::Secret', 3);
      for (const access of ['secret:id-hash-key', 'secret:jwt-key'] as const) {
        expect(secretProps(access).GenerateSecretString, access).toEqual({
          PasswordLength: 64,
          ExcludePunctuation: true,
          IncludeSpace: false,
        });
      }
    });

    it('creates the signing-key secret with a generated placeholder that is not a key bundle (no key in the template)', () => {
      const generate = secretProps('secret:signing-key').GenerateSecretString as {
        SecretStringTemplate: string;
        GenerateStringKey: string;
        PasswordLength: number;
      };
      expect(generate).toMatchObject({ GenerateStringKey: 'placeholder', SecretStringTemplate: expect.any(String) });
      expect(secretProps('secret:signing-key').SecretString).toBeUndefined();
      // What Secrets Manager will store: the template plus the generated key. The custom resource must see it as unusable.
      const value = JSON.stringify({ ...JSON.parse(generate.SecretStringTemplate), [generate.GenerateStringKey]: 'x'.repeat(generate.PasswordLength) });
      expect(inspectCaBundle(value).kind).toBe('invalid');
      expect(JSON.stringify(s.json)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    });

    it('keeps the signing key when the stack is deleted (documents it signed stay verifiable)', () => {
      expect(s.json.Resources[logicalId(s.stack.secrets.secret('secret:signing-key'))]!.DeletionPolicy).toBe('Retain');
    });

    it('keeps the id-hash key when the stack is deleted (losing it orphans every index entry)', () => {
      const secret = s.stack.secrets.secret('secret:id-hash-key');
      expect(s.json.Resources[logicalId(secret)]!.DeletionPolicy).toBe('Retain');
    });
  });

  describe('Lambda functions', () => {
    it('builds one function per declaration (plus the signing-key custom resource’s two), on the newest Node.js runtime', () => {
      // The SigningKeyInit handler and the Provider framework's onEvent function; and the portal's BucketDeployment
      // handler, a CDK-provided Python function that runs at deploy time only (its runtime is the construct's).
      s.template.resourceCountIs('AWS::Lambda::Function', functionCount + 3);
      const deployHandlers = Object.entries(ofType(s.json, 'AWS::Lambda::Function')).filter(([id]) =>
        id.startsWith('CustomCDKBucketDeployment'),
      );
      expect(deployHandlers).toHaveLength(1);
      for (const [id, fn] of Object.entries(ofType(s.json, 'AWS::Lambda::Function'))) {
        if (!id.startsWith('CustomCDKBucketDeployment')) expect(fn.Properties.Runtime, id).toBe(LAMBDA_RUNTIME.name);
      }
      const bundled = [...s.stack.functions.entries().map(([, fn]) => fn), s.stack.signingKeyInit.handler];
      for (const fn of bundled) {
        expect(s.json.Resources[logicalId(fn)]!.Properties, fn.node.path).toMatchObject({
          Runtime: LAMBDA_RUNTIME.name,
          Architectures: ['arm64'],
          Handler: 'index.handler',
        });
      }
    });

    it('uses the newest Node.js runtime aws-cdk-lib offers', () => {
      const versions = Object.keys(Runtime)
        .map((name) => /^NODEJS_(\d+)_X$/.exec(name)?.[1])
        .filter((v): v is string => v !== undefined)
        .map(Number);
      expect(LAMBDA_RUNTIME.name).toBe(`nodejs${Math.max(...versions)}.x`);
    });

    it('takes memory, timeout, log group and base environment from each declaration', () => {
      for (const [key, decl] of Object.entries(FUNCTIONS)) {
        const fn = s.stack.functions.get(key);
        const props = s.json.Resources[logicalId(fn)]!.Properties;
        expect(props, decl.id).toMatchObject({
          MemorySize: decl.memoryMb,
          Timeout: decl.timeoutSeconds,
          LoggingConfig: { LogGroup: { Ref: logicalId(fn.logGroup as never) } },
          Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'ecert' } },
        });
      }
    });

    it('gives every function log group the configured retention', () => {
      for (const [key] of Object.entries(FUNCTIONS)) {
        const group = s.stack.functions.get(key).logGroup as never;
        expect(s.json.Resources[logicalId(group)]!.Properties.RetentionInDays).toBe(dev.logRetention);
      }
    });

    it('uses no AWS managed policy: logs go only to the function’s own log group', () => {
      for (const role of Object.values(ofType(s.json, 'AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('gives a function with empty access no DynamoDB, S3, SQS, Secrets Manager or KMS action', () => {
      const empty = Object.entries(FUNCTIONS).filter(([, decl]) => decl.access.length === 0);
      expect(empty.length).toBeGreaterThan(0);
      for (const [key] of empty) {
        const fn = s.stack.functions.get(key);
        const actions = actionsOfRole(s.json, logicalId(fn.role as never));
        expect(actions.filter((a) => /^(dynamodb|s3|sqs|secretsmanager|kms):/.test(a)), key).toEqual([]);
        expect(new Set(actions), key).toEqual(
          new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']),
        );
        const env = (s.json.Resources[logicalId(fn)]!.Properties.Environment as { Variables: Record<string, unknown> })
          .Variables;
        expect(Object.keys(env).filter((name) => name.startsWith('ECERT_')), key).toEqual([]);
      }
    });
  });

  describe('HTTP API', () => {
    it('has one route per ROUTES entry plus $default, each integrated with its declared function', () => {
      const routes = Object.values(ofType(s.json, 'AWS::ApiGatewayV2::Route'));
      const integrations = ofType(s.json, 'AWS::ApiGatewayV2::Integration');
      const expected = new Map<string, string>([
        ...ROUTES.map((r): [string, string] => [`${r.method} ${r.path}`, logicalId(s.stack.functions.get(r.fn))]),
        ['$default', logicalId(s.stack.functions.get('notFound'))],
      ]);
      const actual = new Map(
        routes.map((route) => {
          const target = route.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
          const integration = integrations[target['Fn::Join'][1][1].Ref]!;
          const uri = integration.Properties.IntegrationUri as { 'Fn::GetAtt': [string, string] };
          expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
          return [route.Properties.RouteKey as string, uri['Fn::GetAtt'][0]];
        }),
      );
      expect(actual).toEqual(expected);
      expect(routes).toHaveLength(ROUTES.length + 1);
    });

    it('has a single auto-deployed $default stage whose default route settings are the profile’s route floor', () => {
      s.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: dev.peak.routeFloor.rateLimit,
          ThrottlingBurstLimit: dev.peak.routeFloor.burstLimit,
        },
      });
    });

    it('writes JSON access logs with request metadata only, to a log group with retention', () => {
      const [stage] = Object.values(ofType(s.json, 'AWS::ApiGatewayV2::Stage'));
      const settings = stage!.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
      expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalId(s.stack.httpApi.accessLogs), 'Arn'] });
      const format = JSON.parse(settings.Format) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        sourceIp: '$context.identity.sourceIp',
        method: '$context.httpMethod',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        responseLength: '$context.responseLength',
      });
      // Nothing that can carry a token, a body or a raw path with identifiers.
      for (const variable of Object.values(format)) {
        expect(variable).not.toMatch(/authorizer|header|querystring|requestOverride|body|\$context\.path|userAgent/i);
      }
      expect(format).toEqual(ACCESS_LOG_FIELDS);
      expect(s.json.Resources[logicalId(s.stack.httpApi.accessLogs)]!.Properties.RetentionInDays).toBe(dev.logRetention);
    });

    it('attaches no API Gateway authorizer (handlers verify the JWT)', () => {
      s.template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    });
  });

  describe('alarms', () => {
    it('notifies an encrypted, TLS-only SNS topic from every alarm; no e-mail unless configured', () => {
      const topic = logicalId(s.stack.observability.topic);
      s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      s.template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topic }], OKActions: [{ Ref: topic }] });
      s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
          ]),
        },
      });
      s.template.resourceCountIs('AWS::SNS::Subscription', 0);
      s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });
  });

  it('outputs exactly the keys in STACK_OUTPUTS', () => {
    expect(Object.keys(s.json.Outputs ?? {}).sort()).toEqual(Object.values(STACK_OUTPUTS).sort());
    s.template.hasOutput(STACK_OUTPUTS.signingKeySecretArn, {
      Value: { Ref: logicalId(s.stack.secrets.secret('secret:signing-key')) },
    });
    s.template.hasOutput(STACK_OUTPUTS.tableName, { Value: { Ref: logicalId(s.stack.storage.table) } });
    s.template.hasOutput(STACK_OUTPUTS.deadLetterQueueUrl, { Value: { Ref: logicalId(s.stack.pipeline.deadLetterQueue) } });
  });
});

describe('EcertStack configuration', () => {
  it('subscribes the alarm e-mail, passes the public base URL and uses the prod retention and deletion protection', () => {
    const s = synthProd({ config: { alarmEmail: 'ops@example.com', publicBaseUrl: 'https://ecert.example.com' } });
    s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    for (const [key, fn] of s.stack.functions.entries()) {
      const env = (s.json.Resources[logicalId(fn)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.ECERT_PUBLIC_BASE_URL, key).toBe('https://ecert.example.com');
    }
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: {
        ThrottlingRateLimit: ENVIRONMENTS.prod.peak.routeFloor.rateLimit,
        ThrottlingBurstLimit: ENVIRONMENTS.prod.peak.routeFloor.burstLimit,
      },
    });
    s.template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: ENVIRONMENTS.prod.logRetention });
  });
});
