import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { CA_COMMON_NAME, generateFileCaBundle } from '../../shared/signing/issuing-ca';
import { inspectCaBundle } from '../../shared/signing/key-store';
import { fakeKms, KMS_KEY_ARN } from '../support/kms';
import { holdLogLevel } from '../support/log-capture';

/** The SigningKeyInit custom resource's onEvent handler against mocked Secrets Manager and KMS (real RSA behind it). */
const secrets = mockClient(SecretsManagerClient);
const kms = fakeKms();
const context = { awsRequestId: 'req-1', functionName: 'SigningKeyInit', callbackWaitsForEmptyEventLoop: true } as Context;
const SECRET_ARN = 'arn:aws:secretsmanager:cn-north-1:123456789012:secret:SecretsSigningKey-AbCdEf';
const PLACEHOLDER = JSON.stringify({ status: 'no signing key yet', placeholder: 'q1w2e3r4t5y6u7i8' });

function event(requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:cn-north-1:123456789012:function:framework',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:cn-north-1:123456789012:stack/Ecert/1',
    RequestId: 'request-1',
    LogicalResourceId: 'SigningKeyInit',
    ResourceType: 'Custom::SigningKeyInit',
    ResourceProperties: { ServiceToken: 'token', SecretId: SECRET_ARN, KeyId: KMS_KEY_ARN, Organization: 'Ecert (dev)', SecretGeneration: 'abc' },
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
  kms.mock.reset();
  kms.reinstall();
  resetClients();
  captured = [];
});
afterEach(() => {
  // Assess (every test): no key material ever reaches a log line.
  expect(captured.join('')).not.toMatch(/-----BEGIN [A-Z ]+-----|MII[A-Za-z0-9+/]{20}/);
});
afterAll(() => {
  process.stdout.write = write;
  restoreLogLevel();
  secrets.restore();
  kms.mock.restore();
});

describe('SigningKeyInit onEvent', () => {
  it('on Create stores a self-signed CA certificate made by the KMS key (one kms:Sign), and no private key', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: PLACEHOLDER });
    secrets.on(PutSecretValueCommand).resolves({});

    // Act
    const result = await handler(event('Create'), context);

    // Assess
    expect(putCalls()).toHaveLength(1);
    const stored = putCalls()[0]!.args[0].input.SecretString!;
    expect(stored).not.toMatch(/PRIVATE KEY/);
    const bundle = JSON.parse(stored) as { kmsKeyId: string; certificatePem: string };
    expect(bundle.kmsKeyId).toBe(KMS_KEY_ARN);
    const cert = new X509Certificate(bundle.certificatePem);
    expect(cert.subject).toBe(`C=CN\nO=Ecert (dev)\nCN=${CA_COMMON_NAME}`);
    expect(cert.ca).toBe(true);
    expect(cert.publicKey.equals(kms.publicKey)).toBe(true);
    expect(kms.signCalls()).toBe(1);
    // An independent check of the KMS signature: OpenSSL verifies the self-signed certificate.
    const dir = mkdtempSync(join(tmpdir(), 'ecert-ca-'));
    writeFileSync(join(dir, 'ca.pem'), bundle.certificatePem);
    expect(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'ca.pem')]).toString()).toContain(': OK');
    const state = inspectCaBundle(stored, { kmsPublicKey: kms.publicKey });
    expect(state.kind).toBe('valid');
    expect(result).toEqual({
      PhysicalResourceId: `signing-key-init:${SECRET_ARN}`,
      Data: { Fingerprint: state.kind === 'valid' ? state.ca.fingerprint : '', Generated: 'true' },
    });
    // The log capture works (so the check after each test can fail): the fingerprint is logged.
    expect(captured.join('')).toContain(result.Data!.Fingerprint!);
  });

  it('creates the CA bundle when the secret has no value at all', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value", $metadata: {} }));
    secrets.on(PutSecretValueCommand).resolves({});
    const result = await handler(event('Create'), context);
    expect(putCalls()).toHaveLength(1);
    expect(result.Data?.Generated).toBe('true');
  });

  it('replaces a bundle from before the KMS design (a PEM key in the secret)', async () => {
    // Prepare: a file-key CA bundle is not acceptable in the cloud.
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(await generateFileCaBundle({ organization: 'old', bits: 2048 })) });
    secrets.on(PutSecretValueCommand).resolves({});

    // Act
    await handler(event('Update'), context);

    // Assess
    expect(putCalls()).toHaveLength(1);
    expect(putCalls()[0]!.args[0].input.SecretString).not.toMatch(/PRIVATE KEY/);
  });

  it.each(['Create', 'Update'] as const)('on %s leaves a valid CA bundle for the key untouched', async (type) => {
    // Prepare: what a first run stored.
    secrets.on(GetSecretValueCommand).resolves({ SecretString: PLACEHOLDER });
    secrets.on(PutSecretValueCommand).resolves({});
    await handler(event('Create'), context);
    const stored = putCalls()[0]!.args[0].input.SecretString!;
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: stored });

    // Act
    const result = await handler(event(type), context);

    // Assess
    expect(putCalls()).toHaveLength(0);
    expect(result.Data?.Generated).toBe('false');
  });

  it('does not write when the secret cannot be read (it might hold a valid bundle)', async () => {
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await expect(handler(event('Update'), context)).rejects.toThrow(/not authorized/);
    expect(putCalls()).toHaveLength(0);
  });

  it('does nothing on Delete: the secret and the key are kept', async () => {
    const result = await handler(event('Delete'), context);
    expect(secrets.calls()).toHaveLength(0);
    expect(kms.mock.calls()).toHaveLength(0);
    expect(result).toEqual({ PhysicalResourceId: `signing-key-init:${SECRET_ARN}` });
  });
});
