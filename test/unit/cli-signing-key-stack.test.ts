import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import type { Io } from '../../cli/common';
import { STACK_OUTPUTS } from '../../shared/resources/outputs';
import { X509Certificate } from 'node:crypto';
import { selfSignedCaCertificate, kmsSigner, generateFileCaBundle } from '../../shared/signing/issuing-ca';
import { pemOf } from '../../shared/signing/x509';
import { fakeKms, KMS_KEY_ARN } from '../support/kms';

/** `ecert signing-key --stack`: the secret is found through the stack's outputs and written with PutSecretValue. */
const cfn = mockClient(CloudFormationClient);
const secrets = mockClient(SecretsManagerClient);
const kms = fakeKms();
const savedEnv = { ...process.env };
const SIGNING_ARN = 'arn:aws:secretsmanager:cn-north-1:1:secret:signing';

function stackWith(outputs: Partial<Record<keyof typeof STACK_OUTPUTS, string>>) {
  cfn.on(DescribeStacksCommand, { StackName: 'Ecert' }).resolves({
    Stacks: [
      {
        StackName: 'Ecert',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: Object.entries(outputs).map(([key, value]) => ({
          OutputKey: STACK_OUTPUTS[key as keyof typeof STACK_OUTPUTS],
          OutputValue: value,
        })),
      },
    ],
  });
}

const BASE_OUTPUTS = { tableName: 't', bucketName: 'b', idHashKeySecretArn: 'arn:id' };

function capture(): Io & { lines: { out: string[]; err: string[] } } {
  const lines = { out: [] as string[], err: [] as string[] };
  return { lines, out: (l) => lines.out.push(l), err: (l) => lines.err.push(l), stderr: process.stderr };
}

beforeEach(() => {
  cfn.reset();
  secrets.reset();
  kms.mock.reset();
  kms.reinstall();
});
afterEach(() => {
  process.env = { ...savedEnv };
});
afterAll(() => {
  cfn.restore();
  secrets.restore();
  kms.mock.restore();
});

/** What the stack's SigningKeyInit stores: a self-signed CA certificate for the KMS key. */
async function stackBundle(): Promise<string> {
  const der = await selfSignedCaCertificate({ publicKey: kms.publicKey, signer: kmsSigner(KMS_KEY_ARN, 'RSASSA_PKCS1_V1_5_SHA_256'), organization: 'Ecert (dev)' });
  return JSON.stringify({ kmsKeyId: KMS_KEY_ARN, certificatePem: pemOf(der) });
}

describe('signing-key --stack', () => {
  it('init --force replaces the CA certificate with a new self-signed one made by the stack’s KMS key', async () => {
    // Prepare
    stackWith({ ...BASE_OUTPUTS, signingKeySecretArn: SIGNING_ARN });
    const before = await stackBundle();
    secrets.on(GetSecretValueCommand, { SecretId: SIGNING_ARN }).resolves({ SecretString: before });
    secrets.on(PutSecretValueCommand).resolves({});
    const io = capture();
    const signsBefore = kms.signCalls();

    // Act
    const code = await main(['signing-key', 'init', '--force', '--stack', 'Ecert', '--region', 'cn-north-1'], io);

    // Assess
    expect(code, io.lines.err.join('\n')).toBe(0);
    const put = secrets.commandCalls(PutSecretValueCommand);
    expect(put).toHaveLength(1);
    const bundle = JSON.parse(put[0]!.args[0].input.SecretString!) as { kmsKeyId: string; certificatePem: string; privateKeyPem?: string };
    expect(bundle.kmsKeyId).toBe(KMS_KEY_ARN);
    expect(bundle.privateKeyPem).toBeUndefined();
    const cert = new X509Certificate(bundle.certificatePem);
    expect(cert.subject).toContain('O=Ecert');
    expect(cert.verify(kms.publicKey)).toBe(true);
    expect(kms.signCalls() - signsBefore).toBe(1);
    expect(io.lines.out.join('\n')).toContain(cert.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(io.lines.out.join('\n')).toContain('the signing-key secret of stack Ecert');
  });

  it('init refuses to replace a valid CA without --force (exit 1) and writes nothing', async () => {
    stackWith({ ...BASE_OUTPUTS, signingKeySecretArn: SIGNING_ARN });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: await stackBundle() });
    const io = capture();

    const code = await main(['signing-key', 'init', '--stack', 'Ecert'], io);

    expect(code).toBe(1);
    expect(io.lines.err.join('\n')).toMatch(/already holds a valid issuing CA.*--force/);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('csr prints a PKCS #10 request signed by the KMS key that OpenSSL verifies', async () => {
    stackWith({ ...BASE_OUTPUTS, signingKeySecretArn: SIGNING_ARN });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: await stackBundle() });
    const io = capture();

    const code = await main(['signing-key', 'csr', '--subject', '/C=CN/O=某某中心/CN=某某中心电子印章签发CA', '--stack', 'Ecert'], io);

    expect(code, io.lines.err.join('\n')).toBe(0);
    const { execFileSync } = await import('node:child_process');
    const text = execFileSync('openssl', ['req', '-verify', '-noout', '-text'], { input: io.lines.out.join('\n') }).toString();
    expect(text).toMatch(/CA:TRUE, pathlen:0/);
    expect(text).toContain('Certificate Sign, CRL Sign');
  });

  it('install refuses a CA certificate that is not for the stack’s KMS key (exit 1)', async () => {
    stackWith({ ...BASE_OUTPUTS, signingKeySecretArn: SIGNING_ARN });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: await stackBundle() });
    const other = await generateFileCaBundle({ organization: 'Other', bits: 2048 });
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'ecert-ca-')), 'ca.pem');
    writeFileSync(file, other.certificatePem);
    const io = capture();

    const code = await main(['signing-key', 'install', '--cert', file, '--stack', 'Ecert'], io);

    expect(code).toBe(1);
    expect(io.lines.err.join('\n')).toMatch(/not for the stack’s KMS key/);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('show prints the stack’s CA certificate and where its key is, never key material', async () => {
    stackWith({ ...BASE_OUTPUTS, signingKeySecretArn: SIGNING_ARN });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: await stackBundle() });
    const io = capture();

    const code = await main(['signing-key', 'show', '--stack', 'Ecert'], io);

    expect(code, io.lines.err.join('\n')).toBe(0);
    const out = io.lines.out.join('\n');
    expect(out).toContain(`kms:${KMS_KEY_ARN}`);
    expect(out).not.toMatch(/BEGIN|PRIVATE/);
  });

  it('tells the operator to deploy first when the stack has no SigningKeySecretArn output (exit 2)', async () => {
    stackWith(BASE_OUTPUTS);
    const io = capture();

    const code = await main(['signing-key', 'show', '--stack', 'Ecert'], io);

    expect(code).toBe(2);
    expect(io.lines.err.join('\n')).toMatch(/no SigningKeySecretArn output: deploy the current version/);
    expect(secrets.calls()).toHaveLength(0);
  });
});
