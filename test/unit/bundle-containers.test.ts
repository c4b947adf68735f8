import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { resolveEnvironment, runtimeMajor, type FunctionBundle } from '../../local/bundles/cloud-assembly';
import { ContainerPool } from '../../local/bundles/container-pool';
import { containerEnvironment } from '../../local/bundles/environment';
import { findLambdaNode } from '../../local/bundles/node24';
import { lambdaContext } from '../../local/lambda-context';

// A bundle folder as cdk.out holds one: index.mjs exporting `handler`, plus an asset file next to it.
const HANDLER = `
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
let inFlight = 0;
export const handler = async (event, context) => {
  inFlight++;
  try {
    if (event.kind === 'sleep') await new Promise((r) => setTimeout(r, event.ms));
    if (event.kind === 'throw') { const e = new Error('deliberate'); e.name = 'DeliberateError'; throw e; }
    if (event.kind === 'exit') process.exit(3);
    return {
      node: process.version,
      pid: process.pid,
      inFlight,
      asset: readFileSync(join(process.env.LAMBDA_TASK_ROOT, 'assets/note.txt'), 'utf8'),
      table: process.env.ECERT_TABLE_NAME,
      nodeOptions: process.env.NODE_OPTIONS ?? null,
      remaining: context.getRemainingTimeInMillis(),
      requestId: context.awsRequestId,
    };
  } finally {
    inFlight--;
  }
};`;

let root: string;
let bundle: FunctionBundle;
const logs: string[] = [];
const node = findLambdaNode(24);

const pool = (maxContainers: number, timeoutSeconds = 5) =>
  new ContainerPool({
    bundle: { ...bundle, timeoutSeconds },
    nodeBinary: node.path,
    environment: () => ({ LAMBDA_TASK_ROOT: bundle.taskRoot, _HANDLER: 'index.handler', ECERT_TABLE_NAME: 'local-table', PATH: '/usr/bin:/bin' }),
    maxContainers,
    log: (line) => logs.push(line),
  });

const context = (): Context => lambdaContext({ id: 'Probe', entry: 'x', memoryMb: 128, timeoutSeconds: 5, access: [] });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ecert-bundle-'));
  await writeFile(join(root, 'index.mjs'), HANDLER);
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'assets/note.txt'), 'from the bundle folder');
  bundle = {
    fnId: 'Probe',
    logicalId: 'ProbeFunction',
    taskRoot: root,
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    memoryMb: 128,
    timeoutSeconds: 5,
    environment: {},
  };
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('function containers (ECERT_HANDLERS=bundles)', () => {
  it('runs the bundle on the Lambda runtime’s Node with only the environment it is given', async () => {
    const containers = pool(1);
    try {
      const out = (await containers.invoke({ kind: 'echo' }, context())) as Record<string, unknown>;
      expect(out.node).toMatch(/^v24\./);
      expect(out.pid).not.toBe(process.pid);
      expect(out.asset).toBe('from the bundle folder');
      expect(out.table).toBe('local-table');
      expect(out.nodeOptions).toBeNull();
      expect(out.remaining as number).toBeGreaterThan(0);
      expect(out.remaining as number).toBeLessThanOrEqual(5000);
      expect(containers.info[0]).toMatchObject({ fnId: 'Probe', nodeVersion: out.node, taskRoot: root, invocations: 1 });
    } finally {
      await containers.stop();
    }
  });

  it('gives each container one invocation at a time, starting another only when all are busy', async () => {
    const containers = pool(2);
    try {
      const results = (await Promise.all(
        [1, 2, 3].map(() => containers.invoke({ kind: 'sleep', ms: 300 }, context())),
      )) as Array<{ pid: number; inFlight: number }>;
      expect(results.every((r) => r.inFlight === 1)).toBe(true);
      expect(new Set(results.map((r) => r.pid)).size).toBe(2);
      expect(containers.info).toHaveLength(2);
    } finally {
      await containers.stop();
    }
  });

  it('passes a handler’s error on by name, and keeps the container', async () => {
    const containers = pool(1);
    try {
      await expect(containers.invoke({ kind: 'throw' }, context())).rejects.toMatchObject({ name: 'DeliberateError', message: 'deliberate' });
      const after = (await containers.invoke({ kind: 'echo' }, context())) as { pid: number };
      expect(containers.info).toEqual([expect.objectContaining({ pid: after.pid, invocations: 2 })]);
    } finally {
      await containers.stop();
    }
  });

  it('discards a container that times out or exits, and the next invocation gets a fresh one', async () => {
    const containers = pool(1, 1);
    try {
      await expect(containers.invoke({ kind: 'sleep', ms: 5000 }, context())).rejects.toMatchObject({ name: 'FunctionTimeoutError' });
      await expect(containers.invoke({ kind: 'exit' }, context())).rejects.toMatchObject({ name: 'Runtime.ExitError' });
      const fresh = (await containers.invoke({ kind: 'echo' }, context())) as { pid: number };
      expect(containers.info).toEqual([expect.objectContaining({ pid: fresh.pid, invocations: 1 })]);
      expect(logs.some((line) => line.includes('discarded'))).toBe(true);
    } finally {
      await containers.stop();
    }
  });
});

describe('the template’s environment, resolved to local resources', () => {
  const outputs = {
    TableName: { Ref: 'StorageTable' },
    SigningKeySecretArn: { Ref: 'SigningKeySecret' },
    PortalUrl: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Distribution', 'DomainName'] }]] },
  };
  const probe = (environment: Record<string, unknown>): FunctionBundle => ({ ...bundle, environment });

  it('replaces each reference by what the stack output with the same value stands for locally', () => {
    const env = resolveEnvironment(
      probe({
        NODE_OPTIONS: '--enable-source-maps',
        ECERT_TABLE_NAME: { Ref: 'StorageTable' },
        ECERT_PUBLIC_BASE_URL: outputs.PortalUrl,
      }),
      { outputs },
      { TableName: 'local-table', PortalUrl: 'http://127.0.0.1:3000' } as never,
    );
    expect(env).toEqual({ NODE_OPTIONS: '--enable-source-maps', ECERT_TABLE_NAME: 'local-table', ECERT_PUBLIC_BASE_URL: 'http://127.0.0.1:3000' });
  });

  it('refuses a reference nothing local stands in for, naming the variable', () => {
    expect(() => resolveEnvironment(probe({ ECERT_NEW_THING: { Ref: 'SomethingNew' } }), { outputs }, {} as never)).toThrow(
      /Probe: the template sets ECERT_NEW_THING to \{"Ref":"SomethingNew"\}/,
    );
  });

  it('is the whole container environment: Lambda’s variables, the emulators, the secrets folder, then the template', () => {
    const previous = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = '--import tsx';
    try {
      const env = containerEnvironment(
        probe({ ECERT_TABLE_NAME: { Ref: 'StorageTable' }, ECERT_SIGNING_KEY_SECRET: { Ref: 'SigningKeySecret' }, POWERTOOLS_SERVICE_NAME: 'ecert' }),
        { outputs },
        {
          target: {
            endpoints: { dynamodb: 'http://127.0.0.1:1', s3: 'http://127.0.0.1:2', sqs: 'http://127.0.0.1:3', ses: 'http://127.0.0.1:4', sms: 'http://127.0.0.1:5' },
            tableName: 'local-table',
            bucketName: 'local-bucket',
            queueUrl: 'http://q',
            deadLetterQueueUrl: 'http://dlq',
            secretsDir: '/data/secrets',
          },
          apiUrl: 'http://127.0.0.1:3000',
          publicBaseUrl: 'http://127.0.0.1:3000',
        },
      );
      expect(env).toMatchObject({
        LAMBDA_TASK_ROOT: root,
        _HANDLER: 'index.handler',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1',
        ECERT_LOCAL_SECRETS_DIR: '/data/secrets',
        ECERT_TABLE_NAME: 'local-table',
        POWERTOOLS_SERVICE_NAME: 'ecert',
      });
      expect(env.ECERT_SIGNING_KEY_SECRET).toMatch(/^arn:aws:secretsmanager:/);
      expect(env.NODE_OPTIONS).toBeUndefined();
    } finally {
      if (previous === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = previous;
    }
  });

  it('reads the Node major from the runtime name', () => {
    expect(runtimeMajor('nodejs24.x')).toBe(24);
    expect(() => runtimeMajor('python3.13')).toThrow(/not a Node.js Lambda runtime/);
  });
});
