import { X509Certificate } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/jobs/signing-key-init';
import { resetClients } from '../../shared/aws/clients';
import { generateSelfSignedMaterial, loadSigningKey } from '../../shared/signing/key-material';
import { SELF_SIGNED_COMMON_NAME } from '../../shared/signing/key-store';
import { holdLogLevel } from '../support/log-capture';

/** The SigningKeyInit custom resource's onEvent handler against a mocked Secrets Manager. */
const secrets = mockClient(SecretsManagerClient);
const context = { awsRequestId: 'req-1', functionName: 'SigningKeyInit', callbackWaitsForEmptyEventLoop: true } as Context;
const SECRET_ARN = 'arn:aws:secretsmanager:cn-north-1:123456789012:secret:SecretsSigningKey-AbCdEf';
const PLACEHOLDER = JSON.stringify({ status: 'no signing key yet', placeholder: 'q1w2e3r4t5y6u7i8' });
const installed = generateSelfSignedMaterial({ commonName: 'CA-issued stand-in', organization: 'Operator' });
const installedJson = JSON.stringify(installed);

function event(requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:cn-north-1:123456789012:function:framework',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:cn-north-1:123456789012:stack/Ecert/1',
    RequestId: 'request-1',
    LogicalResourceId: 'SigningKeyInit',
    ResourceType: 'Custom::SigningKeyInit',
    ResourceProperties: { ServiceToken: 'token', SecretId: SECRET_ARN, Organization: 'Ecert (dev)', SecretGeneration: 'abc' },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  const physical = { PhysicalResourceId: `signing-key-init:${SECRET_ARN}` };
  if (requestType === 'Update') return { ...base, ...physical, RequestType: 'Update', OldResourceProperties: base.ResourceProperties };
  return { ...base, ...physical, RequestType: 'Delete' };
}

const putCalls = () => secrets.commandCalls(PutSecretValueCommand);

let captured: string[] = [];
let restoreLogLevel: () => void = () => undefined;
const write = process.stdout.write.bind(process.stdout);
beforeAll(() => {
  restoreLogLevel = holdLogLevel('DEBUG');
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(String(chunk));
    return write(chunk as never, ...(rest as []));
  }) as typeof process.stdout.write;
});
beforeEach(() => {
  secrets.reset();
  resetClients();
  captured = [];
});
afterEach(() => {
  // Assess (every test): no key material ever reaches a log line.
  const logs = captured.join('');
  expect(logs).not.toMatch(/-----BEGIN [A-Z ]+-----|MII[A-Za-z0-9+/]{20}/);
});
afterAll(() => {
  process.stdout.write = write;
  restoreLogLevel();
  secrets.restore();
});

describe('SigningKeyInit onEvent', () => {
  it('on Create replaces the stack’s placeholder with a self-signed key bundle for the stack', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: PLACEHOLDER });
    secrets.on(PutSecretValueCommand).resolves({});

    // Act
    const result = await handler(event('Create'), context);

    // Assess
    expect(putCalls()).toHaveLength(1);
    const input = putCalls()[0]!.args[0].input;
    expect(input.SecretId).toBe(SECRET_ARN);
    const key = loadSigningKey(input.SecretString!);
    expect(new X509Certificate(JSON.parse(input.SecretString!).certificatePem as string).subject).toBe(
      `CN=${SELF_SIGNED_COMMON_NAME}\nO=Ecert (dev)\nC=CN`,
    );
    expect(result).toEqual({
      PhysicalResourceId: `signing-key-init:${SECRET_ARN}`,
      Data: { Fingerprint: key.fingerprint, Generated: 'true' },
    });
    // The log capture works (so the check after each test can fail): the fingerprint is logged.
    expect(captured.join('')).toContain(key.fingerprint);
  });

  it('creates a key when the secret has no value at all', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value", $metadata: {} }));
    secrets.on(PutSecretValueCommand).resolves({});

    // Act
    const result = await handler(event('Create'), context);

    // Assess
    expect(putCalls()).toHaveLength(1);
    expect(() => loadSigningKey(putCalls()[0]!.args[0].input.SecretString!)).not.toThrow();
    expect(result.Data?.Generated).toBe('true');
  });

  it('on Update replaces an unusable value (e.g. an old random string)', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'x'.repeat(64) });
    secrets.on(PutSecretValueCommand).resolves({});

    // Act
    await handler(event('Update'), context);

    // Assess
    expect(putCalls()).toHaveLength(1);
  });

  it.each(['Create', 'Update'] as const)('on %s leaves a valid installed key untouched', async (type) => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: installedJson });

    // Act
    const result = await handler(event(type), context);

    // Assess
    expect(putCalls()).toHaveLength(0);
    expect(result).toEqual({
      PhysicalResourceId: `signing-key-init:${SECRET_ARN}`,
      Data: { Fingerprint: loadSigningKey(installedJson).fingerprint, Generated: 'false' },
    });
  });

  it('does not write when the secret cannot be read (it might hold a valid key)', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    // Act / Assess
    await expect(handler(event('Update'), context)).rejects.toThrow(/not authorized/);
    expect(putCalls()).toHaveLength(0);
  });

  it('does nothing on Delete: the secret and its key are kept', async () => {
    // Act
    const result = await handler(event('Delete'), context);

    // Assess
    expect(secrets.calls()).toHaveLength(0);
    expect(result).toEqual({ PhysicalResourceId: `signing-key-init:${SECRET_ARN}` });
  });
});
