import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SecretAccess } from '../../infra/constructs/secrets';
import { BUCKET } from '../../shared/resources/bucket';
import { FUNCTIONS, type Access, type BucketPrefixName, type FunctionDecl } from '../../shared/resources/functions';
import { TABLE } from '../../shared/resources/table';
import { logicalId, ofType, synth, type Synthesized } from '../support/synth';

/**
 * Least privilege, asserted from the declarations: for every function in FUNCTIONS, the IAM statements its role ends up
 * with (every policy attached to it: default, inline, managed) are exactly what its `access` list and its trigger
 * imply — nothing more, nothing broader. The expected grants are written here, independently of the construct that
 * creates them, so a function that gains an undeclared action or resource fails this test.
 */
type Ref = Record<string, unknown>;
interface Grant {
  action: string;
  resource: Ref | string;
}

/** Table reads: item reads and queries; never Scan, never the stream. ConditionCheckItem: the apply transaction. */
const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
/** Table writes: item writes on the table (indexes are maintained by DynamoDB, never written). */
const TABLE_WRITE = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];
/** Sending only: the queue URL comes from the environment (no GetQueueUrl, no GetQueueAttributes). */
const QUEUE_SEND = ['sqs:SendMessage'];
/**
 * What an SQS event source mapping needs on the consumed queue (Lambda polls with the function's role: Receive,
 * Delete, GetQueueAttributes) plus what CDK's grantConsumeMessages adds (ChangeMessageVisibility, GetQueueUrl).
 */
const QUEUE_CONSUME = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];
/** The value only, no DescribeSecret (the secrets use the AWS-managed key, so no kms:Decrypt either). */
const SECRET_READ = ['secretsmanager:GetSecretValue'];
const LOG_WRITE = ['logs:CreateLogStream', 'logs:PutLogEvents'];
/**
 * Active tracing: writing trace data. X-Ray has no resource-level permissions for these, so they are the one grant on
 * Resource "*" (acknowledged as AwsSolutions-IAM5 in docs/infrastructure.md).
 */
const XRAY_WRITE = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
const isXrayWrite = (statement: { Action?: string | string[]; Resource?: unknown }) =>
  JSON.stringify([statement.Resource].flat()) === '["*"]' &&
  [statement.Action].flat().every((action) => XRAY_WRITE.includes(String(action)));
const STREAM_READ = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];
/**
 * The only conditions allowed: writes confined to one item kind by partition key prefix (audit events, report
 * counters), and a bucket listing confined to a key prefix.
 */
const ALLOWED_CONDITIONS = [
  { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
  { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['STATS#*'] } },
  { StringLike: { 's3:prefix': ['imports/*'] } },
];
/** Resource "*" only where the action has no resource-level permissions: listing streams (stream consumers). */
const STREAM_LIST = ['dynamodb:ListStreams'];
const isStreamList = (statement: { Action?: string | string[]; Resource?: unknown }) =>
  [statement.Action].flat().every((action) => STREAM_LIST.includes(String(action)));

const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });
const arnWithSuffix = (id: string, suffix: string) => ({ 'Fn::Join': ['', [getAtt(id), suffix]] });
const grants = (actions: readonly string[], resources: Array<Ref | string>): Grant[] =>
  actions.flatMap((action) => resources.map((resource) => ({ action, resource })));
const regionalArn = (service: string, resource: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:`, { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]],
});
const key = (grant: Grant) => `${grant.action} on ${JSON.stringify(grant.resource)}`;

/** The grants a declaration implies, as CloudFormation references into the synthesized stack. */
function expectedGrants(s: Synthesized, fnKey: string, decl: FunctionDecl): Grant[] {
  const table = logicalId(s.stack.storage.table);
  const bucket = logicalId(s.stack.storage.documents);
  const logGroup = logicalId(s.stack.functions.get(fnKey).node.scope!.node.findChild('Logs') as IConstruct as never);
  const expected: Grant[] = [...grants(LOG_WRITE, [getAtt(logGroup)]), ...grants(XRAY_WRITE, ['*'])];
  const objects = (name: BucketPrefixName) => [arnWithSuffix(bucket, `/${BUCKET.prefixes[name]}*`)];
  const byAccess: Record<Access, () => Grant[]> = {
    'table:read': () =>
      grants(TABLE_READ, [getAtt(table), ...Object.values(TABLE.indexes).map((index) => arnWithSuffix(table, `/index/${index.name}`))]),
    'table:write': () => grants(TABLE_WRITE, [getAtt(table)]),
    'bucket:read:annotations': () => grants(['s3:GetObject'], objects('annotations')),
    'bucket:read:electronicFiles': () => grants(['s3:GetObject'], objects('electronicFiles')),
    'bucket:write:annotations': () => grants(['s3:PutObject'], objects('annotations')),
    'bucket:write:electronicFiles': () => grants(['s3:PutObject'], objects('electronicFiles')),
    'queue:send': () => grants(QUEUE_SEND, [getAtt(logicalId(s.stack.pipeline.queue))]),
    'queue:depth': () => grants(['sqs:GetQueueAttributes'], [getAtt(logicalId(s.stack.pipeline.queue))]),
    'secret:id-hash-key': () => secretGrants(s, 'secret:id-hash-key'),
    'secret:jwt-key': () => secretGrants(s, 'secret:jwt-key'),
    'secret:signing-key': () => secretGrants(s, 'secret:signing-key'),
    // Issue 13: conditional on the partition key prefix (see LEADING_KEYS below).
    'table:audit': () => grants(['dynamodb:PutItem', 'dynamodb:BatchWriteItem'], [getAtt(table)]),
    'table:stats': () => grants(['dynamodb:UpdateItem'], [getAtt(table)]),
    'imports:read': () => [
      ...grants(['s3:GetObject'], [arnWithSuffix(logicalId(s.stack.bulkImport.bucket), '/imports/*')]),
      ...grants(['s3:ListBucket'], [getAtt(logicalId(s.stack.bulkImport.bucket))]),
    ],
    'imports:write': () => grants(['s3:PutObject'], [arnWithSuffix(logicalId(s.stack.bulkImport.bucket), '/imports/*')]),
    'archive:write': () => grants(['s3:PutObject'], [arnWithSuffix(logicalId(s.stack.auditArchive.bucket), '/audit/*')]),
    'kms:sign': () => grants(['kms:Sign'], [getAtt(logicalId(s.stack.signingCa.key))]),
    // The dev configuration's senders (infra/config.ts): one SES identity, one SMS origination pool.
    'email:send': () => grants(['ses:SendEmail'], [regionalArn('ses', 'identity/ecert.example.com')]),
    'sms:send': () => grants(['sms-voice:SendTextMessage'], [regionalArn('sms-voice', 'pool/ecert')]),
  };
  for (const access of new Set(decl.access)) expected.push(...byAccess[access]());
  if (decl.trigger?.type === 'queue') {
    expected.push(...grants(QUEUE_CONSUME, [getAtt(logicalId(s.stack.pipeline.queueByName(decl.trigger.queue)))]));
  }
  if (decl.trigger?.type === 'stream') {
    // What the DynamoDB Streams event source mapping needs, and sending failed batches to the function's own queue.
    const failures = logicalId(s.stack.functions.get(fnKey).node.scope!.node.findChild('StreamFailures') as never);
    expected.push(...grants(STREAM_READ, [getAtt(table, 'StreamArn')]), ...grants(['dynamodb:ListStreams'], ['*']));
    expected.push(...grants(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], [getAtt(failures)]));
  }
  return expected;
}

const secretGrants = (s: Synthesized, access: SecretAccess) => grants(SECRET_READ, [{ Ref: logicalId(s.stack.secrets.secret(access)) }]);

interface Statement {
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: Ref | string | Array<Ref | string>;
  NotResource?: unknown;
  Condition?: unknown;
}

/** Every statement that applies to a role: policies attached by reference, managed policies, inline policies. */
function statementsOf(s: Synthesized, roleId: string): Statement[] {
  const attached = (type: string) =>
    Object.values(ofType(s.json, type))
      .filter((policy) => ((policy.Properties.Roles ?? []) as Ref[]).some((role) => role.Ref === roleId))
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  const role = s.json.Resources[roleId]!.Properties;
  const inline = ((role.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
  return [...attached('AWS::IAM::Policy'), ...attached('AWS::IAM::ManagedPolicy'), ...inline];
}

function actualGrants(statements: Statement[]): Grant[] {
  return statements.flatMap((statement) =>
    grants([statement.Action ?? []].flat(), [statement.Resource ?? []].flat() as Array<Ref | string>),
  );
}

const isWildcardAction = (action: string) => action === '*' || action.endsWith(':*') || action.includes('*');

describe('least privilege: each function’s role grants exactly what its declaration implies', () => {
  let s: Synthesized;
  const roleId = (fnKey: string) => logicalId(s.stack.functions.get(fnKey).role as never);

  beforeAll(() => {
    s = synth();
  });

  describe.each(Object.entries(FUNCTIONS as Record<string, FunctionDecl>))('%s', (fnKey, decl) => {
    it(`[${decl.access.join(', ') || 'no access'}${decl.trigger?.type === 'queue' ? `; consumes ${decl.trigger.queue}` : ''}] → exactly these actions on exactly these resources`, () => {
      const expected = [...new Set(expectedGrants(s, fnKey, decl).map(key))].sort();
      const actual = [...new Set(actualGrants(statementsOf(s, roleId(fnKey))).map(key))].sort();
      const undeclared = actual.filter((grant) => !expected.includes(grant));
      const missing = expected.filter((grant) => !actual.includes(grant));
      expect(undeclared, `${decl.id} has permissions its declaration does not imply`).toEqual([]);
      expect(missing, `${decl.id} lacks permissions its declaration implies`).toEqual([]);
    });

    it('allows only (no Deny tricks, NotAction, NotResource or conditions), no wildcard action, no Resource "*" but X-Ray’s', () => {
      for (const statement of statementsOf(s, roleId(fnKey))) {
        expect(statement.Effect).toBe('Allow');
        expect(statement.NotAction).toBeUndefined();
        expect(statement.NotResource).toBeUndefined();
        if (statement.Condition !== undefined) expect(ALLOWED_CONDITIONS).toContainEqual(statement.Condition);
        expect([statement.Action].flat().filter((a) => isWildcardAction(String(a)))).toEqual([]);
        if ([statement.Resource].flat().includes('*')) expect(isXrayWrite(statement) || isStreamList(statement)).toBe(true);
      }
    });

    it('is a role of its own, assumable by Lambda only, with no managed policy', () => {
      const role = s.json.Resources[roleId(fnKey)]!.Properties;
      expect(role.ManagedPolicyArns).toBeUndefined();
      expect(role.PermissionsBoundary).toBeUndefined();
      expect(role.AssumeRolePolicyDocument).toEqual({
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
        Version: '2012-10-17',
      });
      const sharing = Object.keys(FUNCTIONS).filter((other) => other !== fnKey && roleId(other) === roleId(fnKey));
      expect(sharing).toEqual([]);
    });
  });

  it('no function can write certificate electronic files (files/): only operators attach them, through the CLI', () => {
    const files = arnWithSuffix(logicalId(s.stack.storage.documents), `/${BUCKET.prefixes.electronicFiles}*`);
    const writers = Object.keys(FUNCTIONS).filter((fnKey) =>
      actualGrants(statementsOf(s, roleId(fnKey))).some(
        (grant) => grant.action.startsWith('s3:') && grant.action !== 's3:GetObject' && JSON.stringify(grant.resource) === JSON.stringify(files),
      ),
    );
    expect(writers).toEqual([]);
  });

  it('each function reaches only the bucket prefixes its access names', () => {
    const bucket = logicalId(s.stack.storage.documents);
    for (const [fnKey, decl] of Object.entries(FUNCTIONS as Record<string, FunctionDecl>)) {
      const named = decl.access.filter((a) => a.startsWith('bucket:')).map((a) => `/${BUCKET.prefixes[a.split(':')[2] as BucketPrefixName]}*`);
      const reached = actualGrants(statementsOf(s, roleId(fnKey)))
        .filter((grant) => grant.action.startsWith('s3:') && JSON.stringify(grant.resource).includes(JSON.stringify(getAtt(bucket))))
        .map((grant) => JSON.stringify(grant.resource).replace(JSON.stringify(getAtt(bucket)), 'BUCKET'));
      for (const resource of reached) expect(named.some((suffix) => resource.includes(`"${suffix}"`)), `${fnKey}: ${resource}`).toBe(true);
    }
  });

  it('grants Resource "*" to no function except X-Ray’s two write actions (active tracing)', () => {
    for (const fnKey of Object.keys(FUNCTIONS)) {
      const star = statementsOf(s, roleId(fnKey)).filter((st) => [st.Resource].flat().includes('*'));
      const isStream = (FUNCTIONS as Record<string, FunctionDecl>)[fnKey]!.trigger?.type === 'stream';
      expect(star.flatMap((st) => [st.Action].flat()).sort(), fnKey).toEqual([...XRAY_WRITE, ...(isStream ? STREAM_LIST : [])].sort());
    }
  });

  it('no IAM statement anywhere in the stack grants a wildcard action, or Resource "*" beyond writing traces', () => {
    const offending: string[] = [];
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const [id, policy] of Object.entries(ofType(s.json, type))) {
        // The import state machine's role: CDK's Step Functions grants (log delivery and X-Ray on "*", which have no
        // resource-level permissions) — documented in docs/infrastructure.md with the cdk-nag acknowledgements.
        if (id.startsWith(logicalId(s.stack.bulkImport.stateMachine.role as never).replace(/[0-9A-F]{8}$/, ''))) continue;
        for (const statement of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
          const wild = [statement.Action].flat().filter((a) => isWildcardAction(String(a)));
          if (wild.length > 0) offending.push(`${id}: ${wild.join(', ')}`);
          if ([statement.Resource].flat().includes('*') && statement.Effect === 'Allow' && !isXrayWrite(statement) && !isStreamList(statement)) {
            offending.push(`${id}: Resource "*"`);
          }
        }
      }
    }
    expect(offending).toEqual([]);
  });

  it('catches an undeclared grant (the comparison can fail)', () => {
    // The stack built with health reading the table, compared with what health's real declaration implies.
    const probe = synth({ functions: { ...FUNCTIONS, health: { ...FUNCTIONS.health, access: ['table:read'] } } });
    const expected = expectedGrants(probe, 'health', FUNCTIONS.health).map(key);
    const actual = actualGrants(statementsOf(probe, logicalId(probe.stack.functions.get('health').role as never))).map(key);
    expect(actual.filter((grant) => !expected.includes(grant))).toContain(
      key({ action: 'dynamodb:GetItem', resource: getAtt(logicalId(probe.stack.storage.table)) }),
    );
  });
});
