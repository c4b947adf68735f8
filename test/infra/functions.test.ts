import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  TABLE_READ_ACTIONS,
  TABLE_WRITE_ACTIONS,
  assetCopyCommands,
  checkAssetPath,
} from '../../infra/constructs/functions';
import { ENV } from '../../shared/config/env';
import { BUCKET } from '../../shared/resources/bucket';
import { FUNCTIONS, type FunctionDecl } from '../../shared/resources/functions';
import { QUEUES } from '../../shared/resources/queues';
import { TABLE } from '../../shared/resources/table';
import {
  acknowledgements,
  actionsOfRole,
  describeFindings,
  logicalId,
  runNag,
  staleAcknowledgements,
  statementsOfRole,
  synth,
  undocumentedAcknowledgements,
  type Synthesized,
} from '../support/synth';

/**
 * Today's FUNCTIONS are HTTP handlers with no access; the construct must already handle queue consumers, schedules,
 * assets, reserved concurrency and every access kind. These declarations exercise all of it (entries point at
 * existing modules: bundling is off in tests, only the wiring is under test).
 */
const decl = (d: Partial<FunctionDecl> & Pick<FunctionDecl, 'id'>): FunctionDecl => ({
  entry: 'functions/api/health.ts',
  memoryMb: 256,
  timeoutSeconds: 10,
  access: [],
  ...d,
});

const CUSTOM = {
  ...FUNCTIONS,
  render: decl({
    id: 'Render',
    memoryMb: 1024,
    timeoutSeconds: 30,
    access: ['table:read', 'table:write', 'bucket:write:annotations', 'secret:signing-key'],
    trigger: { type: 'queue', queue: 'annotations', batchSize: 5, maxConcurrency: 5 },
    assets: ['package.json'],
    reservedConcurrency: 5,
  }),
  deadLetters: decl({
    id: 'DeadLetters',
    timeoutSeconds: 5,
    access: ['table:write'],
    trigger: { type: 'queue', queue: 'deadLetter', batchSize: 1, maxConcurrency: 2 },
  }),
  reconciler: decl({
    id: 'Reconciler',
    access: ['table:read', 'queue:send'],
    trigger: { type: 'schedule', everyMinutes: 5 },
  }),
  reader: decl({
    id: 'Reader',
    access: ['table:read', 'bucket:read:annotations', 'bucket:read:electronicFiles', 'secret:id-hash-key', 'secret:jwt-key'],
  }),
} satisfies Record<string, FunctionDecl>;

describe('Functions construct with every trigger and access kind', () => {
  let s: Synthesized;
  const fnId = (key: keyof typeof CUSTOM) => logicalId(s.stack.functions.get(key));
  const roleId = (key: keyof typeof CUSTOM) => logicalId(s.stack.functions.get(key).role as never);
  const envOf = (key: keyof typeof CUSTOM) =>
    (s.json.Resources[fnId(key)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

  beforeAll(() => {
    s = synth({ functions: CUSTOM });
  });

  it('attaches the render consumer to the annotation queue with partial batch failures, sized by the environment', () => {
    // The declaration's reservation (5) is the local default; the stack sizes the render consumer from the profile.
    const { reservedConcurrency, maxConcurrency } = s.stack.sizing.render;
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId('render') },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(s.stack.pipeline.queue), 'Arn'] },
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: maxConcurrency },
    });
    expect(s.json.Resources[fnId('render')]!.Properties.ReservedConcurrentExecutions).toBe(reservedConcurrency);
    expect(maxConcurrency).toBeLessThanOrEqual(reservedConcurrency);
  });

  it('attaches the DLQ handler to the dead-letter queue with its declared maximum concurrency', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId('deadLetters') },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(s.stack.pipeline.deadLetterQueue), 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    // Two queue consumers (render, dead letters) and two table stream consumers (audit trail, report counters).
    s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 4);
  });

  it('invokes the reconciler on its schedule', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId('reconciler'), 'Arn'] } })],
    });
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fnId('reconciler'), 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('sets only the environment each function’s access needs', () => {
    const secretEnv = (key: 'secret:id-hash-key' | 'secret:jwt-key' | 'secret:signing-key') => ({
      Ref: logicalId(s.stack.secrets.secret(key)),
    });
    // No publicBaseUrl configured: functions outside the API (trigger) get the portal's CloudFront URL for QR codes.
    const publicUrl = s.stack.resolve(s.stack.portal.url) as unknown;
    expect(envOf('render')).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'ecert',
      [ENV.tableName]: { Ref: logicalId(s.stack.storage.table) },
      [ENV.bucketName]: { Ref: logicalId(s.stack.storage.documents) },
      [ENV.signingKeySecret]: secretEnv('secret:signing-key'),
      [ENV.queueUrl]: { Ref: logicalId(s.stack.pipeline.queue) },
      [ENV.publicBaseUrl]: publicUrl,
    });
    expect(envOf('reader')).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'ecert',
      [ENV.tableName]: { Ref: logicalId(s.stack.storage.table) },
      [ENV.bucketName]: { Ref: logicalId(s.stack.storage.documents) },
      [ENV.idHashKeySecret]: secretEnv('secret:id-hash-key'),
      [ENV.jwtKeySecret]: secretEnv('secret:jwt-key'),
    });
    expect(Object.keys(envOf('deadLetters')).sort()).toEqual(
      ['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', ENV.tableName, ENV.deadLetterQueueUrl, ENV.publicBaseUrl].sort(),
    );
    expect(Object.keys(envOf('reconciler')).sort()).toEqual(
      ['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', ENV.tableName, ENV.queueUrl, ENV.publicBaseUrl].sort(),
    );
    expect(envOf('deadLetters')[ENV.publicBaseUrl]).toEqual(publicUrl);
    expect(envOf('reconciler')[ENV.publicBaseUrl]).toEqual(publicUrl);
  });

  it('gives the API URL to every function with a trigger and to no HTTP function (their integration would cycle)', () => {
    for (const [key, declaration] of Object.entries(CUSTOM) as [keyof typeof CUSTOM, FunctionDecl][]) {
      expect(Object.hasOwn(envOf(key), ENV.publicBaseUrl), key).toBe(declaration.trigger !== undefined);
    }
  });

  it('grants table:read as read actions on the table and its declared indexes, with no write action', () => {
    const table = logicalId(s.stack.storage.table);
    const statements = statementsOfRole(s.json, roleId('reader')).filter((st) =>
      [st.Action].flat().some((a) => a.startsWith('dynamodb:')),
    );
    expect(statements).toHaveLength(1);
    expect(new Set([statements[0]!.Action].flat())).toEqual(new Set(TABLE_READ_ACTIONS));
    expect(statements[0]!.Resource).toEqual([
      { 'Fn::GetAtt': [table, 'Arn'] },
      ...Object.values(TABLE.indexes).map((index) => ({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, `/index/${index.name}`]],
      })),
    ]);
    const actions = actionsOfRole(s.json, roleId('reader'));
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).not.toContain('dynamodb:Scan');
  });

  it('grants table:write as item writes on the table only', () => {
    const statements = statementsOfRole(s.json, roleId('deadLetters')).filter((st) =>
      [st.Action].flat().some((a) => a.startsWith('dynamodb:')),
    );
    expect(statements).toHaveLength(1);
    expect(new Set([statements[0]!.Action].flat())).toEqual(new Set(TABLE_WRITE_ACTIONS));
    expect(statements[0]!.Resource).toEqual({ 'Fn::GetAtt': [logicalId(s.stack.storage.table), 'Arn'] });
    expect(actionsOfRole(s.json, roleId('deadLetters'))).not.toContain('dynamodb:GetItem');
  });

  it('grants bucket:read:<prefix> GetObject and bucket:write:<prefix> PutObject on that one key prefix only', () => {
    const bucket = logicalId(s.stack.storage.documents);
    const prefixArn = (prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${prefix}*`]] });
    const s3Statements = (key: keyof typeof CUSTOM) =>
      statementsOfRole(s.json, roleId(key)).filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3Statements('reader')).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: prefixArn(BUCKET.prefixes.annotations) },
      { Action: 's3:GetObject', Effect: 'Allow', Resource: prefixArn(BUCKET.prefixes.electronicFiles) },
    ]);
    expect(s3Statements('render')).toEqual([
      { Action: 's3:PutObject', Effect: 'Allow', Resource: prefixArn(BUCKET.prefixes.annotations) },
    ]);
  });

  it('grants queue:send SendMessage on the annotation queue, and consumers receive only from their queue', () => {
    const reconciler = statementsOfRole(s.json, roleId('reconciler')).filter((st) =>
      [st.Action].flat().some((a) => a.startsWith('sqs:')),
    );
    expect(reconciler).toHaveLength(1);
    expect([reconciler[0]!.Action].flat()).toContain('sqs:SendMessage');
    expect(reconciler[0]!.Resource).toEqual({ 'Fn::GetAtt': [logicalId(s.stack.pipeline.queue), 'Arn'] });
    expect(actionsOfRole(s.json, roleId('reader')).filter((a) => a.startsWith('sqs:'))).toEqual([]);
    expect(actionsOfRole(s.json, roleId('render'))).not.toContain('sqs:SendMessage');
  });

  it('grants each secret only to the functions that declare it', () => {
    const secretResources = (key: keyof typeof CUSTOM) =>
      statementsOfRole(s.json, roleId(key))
        .filter((st) => [st.Action].flat().includes('secretsmanager:GetSecretValue'))
        .map((st) => st.Resource);
    const ref = (access: 'secret:id-hash-key' | 'secret:jwt-key' | 'secret:signing-key') => ({
      Ref: logicalId(s.stack.secrets.secret(access)),
    });
    expect(secretResources('reader').flat()).toEqual(
      expect.arrayContaining([ref('secret:id-hash-key'), ref('secret:jwt-key')]),
    );
    expect(secretResources('reader').flat()).toHaveLength(2);
    expect(secretResources('render').flat()).toEqual([ref('secret:signing-key')]);
    expect(secretResources('reconciler')).toEqual([]);
  });

  it('creates each secret once, however many functions declare it', () => {
    s.template.resourceCountIs('AWS::SecretsManager::Secret', 3);
  });

  it('adds an error and a throttle alarm for every function it builds, on that function', () => {
    for (const [key, decl] of Object.entries(CUSTOM)) {
      for (const [kind, period] of [['Errors', 300], ['Throttles', 60]] as const) {
        const alarm = s.stack.observability.alarmsById[`${decl.id}${kind}`];
        expect(alarm, `${key} ${kind}`).toBeDefined();
        expect(s.json.Resources[logicalId(alarm!)]!.Properties).toMatchObject({
          Namespace: 'AWS/Lambda',
          MetricName: kind,
          Statistic: 'Sum',
          Period: period,
          Threshold: 0,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId(key as keyof typeof CUSTOM) } }],
        });
      }
    }
  });

  it('leaves no unacknowledged cdk-nag finding with these declarations either, each acknowledgement documented', () => {
    const nag = runNag(s.app);
    expect(describeFindings(nag.violations)).toEqual([]);
    expect(staleAcknowledgements(s.app, nag)).toEqual([]);
    const bucketAcks = [...acknowledgements(s.app).keys()].filter(
      (id) => id.startsWith('AwsSolutions-IAM5[') && id.includes(logicalId(s.stack.storage.documents)),
    );
    expect(bucketAcks.sort()).toEqual(
      Object.values(BUCKET.prefixes)
        .map((prefix) => `AwsSolutions-IAM5[Resource::<${logicalId(s.stack.storage.documents)}.Arn>/${prefix}*]`)
        .sort(),
    );
    expect(undocumentedAcknowledgements(s.app)).toEqual([]);
  });
});

describe('declaration checks', () => {
  it('refuses a queue consumer whose timeout × 6 exceeds the queue visibility timeout', () => {
    const tooSlow = Math.floor(QUEUES.annotations.visibilityTimeoutSeconds / 6) + 1;
    expect(() =>
      synth({
        functions: {
          ...FUNCTIONS,
          render: decl({ id: 'Render', timeoutSeconds: tooSlow, trigger: { type: 'queue', queue: 'annotations', batchSize: 1, maxConcurrency: 2 } }),
        },
      }),
    ).toThrow(/visibility timeout/);
  });

  it('refuses assets outside the repository or missing', () => {
    expect(() => checkAssetPath('../etc/passwd')).toThrow(/inside the repository/);
    expect(() => checkAssetPath('/etc/passwd')).toThrow(/inside the repository/);
    expect(() => checkAssetPath('assets/fonts/does-not-exist.ttf')).toThrow(/does not exist/);
    expect(checkAssetPath('./shared/../package.json')).toBe('package.json');
  });

  it('copies each asset into the bundle at its repo-relative path', () => {
    expect(assetCopyCommands('/repo', '/out', ['assets/fonts/Han a\'B.ttf', 'LICENSE'])).toEqual([
      "mkdir -p '/out/assets/fonts'",
      "cp '/repo/assets/fonts/Han a'\\''B.ttf' '/out/assets/fonts/Han a'\\''B.ttf'",
      "mkdir -p '/out'",
      "cp '/repo/LICENSE' '/out/LICENSE'",
    ]);
  });

  it('refuses two declarations with the same id', () => {
    expect(() => synth({ functions: { ...FUNCTIONS, twin: decl({ id: FUNCTIONS.health.id }) } })).toThrow(/declared twice/);
  });

  it('refuses a route to an undeclared function', () => {
    expect(() =>
      synth({ routes: [{ method: 'GET', path: '/x', fn: 'missing' as never, public: true, summary: 'x' }] }),
    ).toThrow(/no function declared/);
  });
});
