import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config';
import { SECRET_SPECS } from '../../infra/constructs/secrets';
import { SIGNING_KEY_INIT_ACTIONS, SIGNING_KEY_INIT_ENTRY, SIGNING_KEY_INIT_KMS_ACTIONS } from '../../infra/constructs/signing-key';
import { FUNCTIONS } from '../../shared/resources/functions';
import { REPO_ROOT } from '../../shared/repo-root';
import {
  acknowledgements,
  actionsOfRole,
  describeFindings,
  logicalId,
  ofType,
  runNag,
  staleAcknowledgements,
  statementsOfRole,
  synth,
  undocumentedAcknowledgements,
  type Synthesized,
} from '../support/synth';

/** The SigningKeyInit custom resource: a fresh deployment gets a working signing key, nothing more. */
describe('SigningKeyInit custom resource', () => {
  let s: Synthesized;
  let secretId: string;
  let handlerId: string;
  let handlerRoleId: string;
  let frameworkId: string;
  let frameworkRoleId: string;

  beforeAll(() => {
    s = synth();
    const init = s.stack.signingKeyInit;
    secretId = logicalId(s.stack.secrets.secret('secret:signing-key'));
    handlerId = logicalId(init.handler);
    handlerRoleId = logicalId(init.handlerRole);
    frameworkRoleId = logicalId(init.frameworkRole);
    const framework = Object.entries(ofType(s.json, 'AWS::Lambda::Function')).find(
      ([, fn]) => fn.Properties.Handler === 'framework.onEvent',
    );
    frameworkId = framework![0];
  });

  it('is one Custom::SigningKeyInit resource served by the Provider framework, naming the signing-key secret', () => {
    s.template.resourceCountIs('Custom::SigningKeyInit', 1);
    const [resource] = Object.values(ofType(s.json, 'Custom::SigningKeyInit'));
    expect(resource!.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [frameworkId, 'Arn'] },
      SecretId: { Ref: secretId },
      KeyId: { 'Fn::GetAtt': [logicalId(s.stack.signingCa.key), 'Arn'] },
      Organization: 'Ecert (dev)',
      SecretGeneration: createHash('sha256')
        .update(JSON.stringify(SECRET_SPECS['secret:signing-key'].generate))
        .digest('hex')
        .slice(0, 16),
    });
    // The framework forwards every event to our handler.
    expect(s.json.Resources[frameworkId]!.Properties.Environment).toEqual({
      Variables: { USER_ON_EVENT_FUNCTION_ARN: { 'Fn::GetAtt': [handlerId, 'Arn'] } },
    });
  });

  it('runs the bundled handler module with the stack’s function settings', () => {
    expect(existsSync(join(REPO_ROOT, SIGNING_KEY_INIT_ENTRY))).toBe(true);
    expect(s.json.Resources[handlerId]!.Properties).toMatchObject({
      Handler: 'index.handler',
      Architectures: ['arm64'],
      Role: { 'Fn::GetAtt': [handlerRoleId, 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: logicalId(s.stack.signingKeyInit.handler.logGroup as never) } },
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'ecert' } },
    });
  });

  it('lets the handler only read and write the signing-key secret and use the CA key, besides its own logs', () => {
    const statements = statementsOfRole(s.json, handlerRoleId);
    const secretStatements = statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toEqual([{ Action: [...SIGNING_KEY_INIT_ACTIONS], Effect: 'Allow', Resource: { Ref: secretId } }]);
    const kmsStatements = statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('kms:')));
    expect(kmsStatements).toEqual([
      { Action: [...SIGNING_KEY_INIT_KMS_ACTIONS], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(s.stack.signingCa.key), 'Arn'] } },
    ]);
    expect(new Set(actionsOfRole(s.json, handlerRoleId))).toEqual(
      new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'kms:GetPublicKey', 'kms:Sign']),
    );
    const logStatement = statements.find((st) => [st.Action].flat().includes('logs:PutLogEvents'));
    expect(logStatement!.Resource).toEqual({
      'Fn::GetAtt': [logicalId(s.stack.signingKeyInit.handler.logGroup as never), 'Arn'],
    });
  });

  it('is the only role that may write any secret', () => {
    const writers = Object.keys(ofType(s.json, 'AWS::IAM::Role')).filter((role) =>
      actionsOfRole(s.json, role).some((action) => /^secretsmanager:(Put|Update|Create|Delete|\*)/.test(action)),
    );
    expect(writers).toEqual([handlerRoleId]);
  });

  it('gives the framework function its own role: its log group and invoking the handler, nothing else', () => {
    expect(s.json.Resources[frameworkId]!.Properties.Role).toEqual({ 'Fn::GetAtt': [frameworkRoleId, 'Arn'] });
    expect(new Set(actionsOfRole(s.json, frameworkRoleId))).toEqual(
      new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'lambda:InvokeFunction', 'lambda:GetFunction']),
    );
    for (const st of statementsOfRole(s.json, frameworkRoleId).filter((x) => [x.Action].flat()[0]!.startsWith('lambda:'))) {
      expect(JSON.stringify(st.Resource)).not.toMatch(/"\*"/);
      expect(JSON.stringify(st.Resource)).toContain(handlerId);
    }
    expect(s.json.Resources[frameworkRoleId]!.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('logs both functions to their own log groups with the configured retention', () => {
    const handlerLogGroup = logicalId(s.stack.signingKeyInit.handler.logGroup as never);
    const frameworkLogGroup = (s.json.Resources[frameworkId]!.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(frameworkLogGroup).not.toBe(handlerLogGroup);
    for (const group of [handlerLogGroup, frameworkLogGroup]) {
      expect(s.json.Resources[group]!.Properties.RetentionInDays).toBe(ENVIRONMENTS.dev.logRetention);
    }
  });

  it('leaves cdk-nag clean, its one acknowledgement documented and used', () => {
    const nag = runNag(s.app);
    expect(describeFindings(nag.violations)).toEqual([]);
    expect(staleAcknowledgements(s.app, nag)).toEqual([]);
    expect([...acknowledgements(s.app).keys()]).toContain(`AwsSolutions-IAM5[Resource::<${handlerId}.Arn>:*]`);
    expect(undocumentedAcknowledgements(s.app)).toEqual([]);
  });
});

/** The seal's issuing CA key: in KMS, asymmetric, kept, and usable only by the functions that certify or publish. */
describe('SigningCa KMS key', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  it('is an RSA-3072 SIGN_VERIFY key, retained with the stack’s documents, with an alias', () => {
    const keyId = logicalId(s.stack.signingCa.key);
    expect(s.json.Resources[keyId]!.Properties).toMatchObject({ KeySpec: 'RSA_3072', KeyUsage: 'SIGN_VERIFY' });
    expect(s.json.Resources[keyId]!.DeletionPolicy).toBe('Retain');
    s.template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/Ecert-seal-ca' });
  });

  it('grants kms:Sign on that key alone, to exactly the functions that declare kms:sign (render, PkiPublisher), and the TSA URL with it', () => {
    const keyArn = { 'Fn::GetAtt': [logicalId(s.stack.signingCa.key), 'Arn'] };
    const declared = Object.entries(FUNCTIONS).filter(([, decl]) => (decl.access as readonly string[]).includes('kms:sign')).map(([key]) => key);
    expect(declared.sort()).toEqual(['pkiPublisher', 'render']);
    const signers = Object.keys(ofType(s.json, 'AWS::IAM::Role')).filter((role) => actionsOfRole(s.json, role).includes('kms:Sign'));
    const expectedRoles = [...declared.map((key) => logicalId(s.stack.functions.get(key).role as never)), logicalId(s.stack.signingKeyInit.handlerRole)];
    expect(signers.sort()).toEqual(expectedRoles.sort());
    for (const role of signers) {
      for (const st of statementsOfRole(s.json, role).filter((x) => [x.Action].flat().includes('kms:Sign'))) expect(st.Resource).toEqual(keyArn);
    }
    for (const key of declared) {
      const fn = s.json.Resources[logicalId(s.stack.functions.get(key))]!;
      expect((fn.Properties.Environment as { Variables: Record<string, string> }).Variables.ECERT_TSA_URL).toBe(ENVIRONMENTS.dev.tsaUrl);
    }
  });
});
