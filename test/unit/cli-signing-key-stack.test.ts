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
import { generateSelfSignedMaterial, loadSigningKey } from '../../shared/signing/key-material';

/** `ecert signing-key --stack`: the secret is found through the stack's outputs and written with PutSecretValue. */
const cfn = mockClient(CloudFormationClient);
const secrets = mockClient(SecretsManagerClient);
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
});
afterEach(() => {
  process.env = { ...savedEnv };
});
afterAll(() => {
  cfn.restore();
  secrets.restore();
});

describe('signing-key --stack', () => {
  it('init writes a self-signed bundle to the stack’s signing-key secret when it holds the placeholder', async () => {
    // Prepare
    stackWith({ ...BASE_OUTPUTS, signingKeySecretArn: SIGNING_ARN });
    secrets.on(GetSecretValueCommand, { SecretId: SIGNING_ARN }).resolves({ SecretString: '{"status":"placeholder"}' });
    secrets.on(PutSecretValueCommand).resolves({});
    const io = capture();

    // Act
    const code = await main(['signing-key', 'init', '--stack', 'Ecert', '--region', 'cn-north-1'], io);

    // Assess
    expect(code, io.lines.err.join('\n')).toBe(0);
    const put = secrets.commandCalls(PutSecretValueCommand);
    expect(put).toHaveLength(1);
    expect(put[0]!.args[0].input.SecretId).toBe(SIGNING_ARN);
    const key = loadSigningKey(put[0]!.args[0].input.SecretString!);
    expect(key.x509.subject).toContain('O=Ecert');
    expect(io.lines.out.join('\n')).toContain(key.fingerprint);
    expect(io.lines.out.join('\n')).toContain('the signing-key secret of stack Ecert');
  });

  it('init refuses to replace a valid key without --force (exit 1) and writes nothing', async () => {
    stackWith({ ...BASE_OUTPUTS, signingKeySecretArn: SIGNING_ARN });
    const installed = JSON.stringify(generateSelfSignedMaterial({ commonName: 'Installed', organization: 'Ops' }));
    secrets.on(GetSecretValueCommand).resolves({ SecretString: installed });
    const io = capture();

    const code = await main(['signing-key', 'init', '--stack', 'Ecert'], io);

    expect(code).toBe(1);
    expect(io.lines.err.join('\n')).toMatch(/already holds a valid signing key.*--force/);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('show prints the certificate of the stack’s key, never the key', async () => {
    stackWith({ ...BASE_OUTPUTS, signingKeySecretArn: SIGNING_ARN });
    const installed = generateSelfSignedMaterial({ commonName: 'Installed', organization: 'Ops' });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(installed) });
    const io = capture();

    const code = await main(['signing-key', 'show', '--stack', 'Ecert'], io);

    expect(code).toBe(0);
    const out = io.lines.out.join('\n');
    expect(out).toContain(loadSigningKey(JSON.stringify(installed)).fingerprint);
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
