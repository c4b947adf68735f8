import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, mkdir, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { freePort } from '../../local/ports';
import { readLocalTarget, type LocalTarget } from '../../shared/target/local-target';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../shared/target/local-target';
import { spawnTs } from '../support/processes';

// The real `npm start` entry point as a child process, on free ports and a throw-away data folder.
const START = 'local/main.ts';
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ecert-start-'));
  env = {
    ...process.env,
    ECERT_DATA_DIR: dataDir,
    ECERT_PORT: String(await freePort()),
    ECERT_DYNAMODB_PORT: String(await freePort()),
    ECERT_S3_PORT: String(await freePort()),
    ECERT_SQS_PORT: String(await freePort()),
    ECERT_SES_PORT: String(await freePort()),
    ECERT_SMS_PORT: String(await freePort()),
    // The DLQ handler would take the dead letter this test leaves to see it survive a restart.
    ECERT_QUEUE_CONSUMERS: 'off',
  };
});

const running = new Set<ReturnType<typeof spawnTs>>();

afterEach(() => {
  // A failed assertion must not leave a stack holding the ports for the next test.
  for (const proc of running) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  running.clear();
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function clients(target: LocalTarget) {
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  return {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, endpoint: target.endpoints.dynamodb })),
    s3: new S3Client({ ...common, endpoint: target.endpoints.s3, forcePathStyle: true }),
    sqs: new SQSClient({ ...common, endpoint: target.endpoints.sqs }),
  };
}

async function startOnce(extraEnv: NodeJS.ProcessEnv = {}) {
  const proc = spawnTs(START, [], { ...env, ...extraEnv });
  running.add(proc);
  await proc.waitFor(/ecert is up/);
  return proc;
}

async function stopOnce(proc: ReturnType<typeof spawnTs>) {
  proc.child.kill('SIGINT');
  expect(await proc.exited).toBe(0);
  expect(proc.output()).toMatch(/stopped cleanly/);
}

describe('npm start', () => {
  it('comes up, answers health, and keeps table, bucket and queue contents across a restart', async () => {
    // Act: first run writes one item, one object and one dead-lettered message.
    const first = await startOnce();
    const target = await readLocalTarget(dataDir);
    const health = await fetch(`${target.apiUrl}/v1/health`);
    expect(health.status).toBe(200);
    expect(first.output()).toContain(`${target.apiUrl}/v1`);
    // The holder portal is built and served on the same origin; the banner names it.
    expect(first.output()).toContain(`Portal     ${target.apiUrl}/`);
    const portal = await fetch(`${target.apiUrl}/`);
    expect(portal.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await portal.text()).toContain('<html lang="zh-CN">');
    // The local outbox (SMS and e-mail sent) has a page, named in the banner.
    expect(first.output()).toContain(`Outbox     ${target.apiUrl}/dev/outbox.html`);
    expect((await fetch(`${target.apiUrl}/dev/outbox`)).status).toBe(200);
    const c1 = clients(target);
    // Demo data: seeded once through the import path, with a legacy electronic file, a revocation and an Ext-B name.
    const cert = (certId: string) =>
      c1.ddb.send(new GetCommand({ TableName: target.tableName, Key: { pk: `CERT#${certId}`, sk: 'CERT' } }));
    const legacy = (await cert('Z2020113000781')).Item;
    expect(legacy?.electronicFile?.key).toMatch(/^files\//);
    expect((await cert('Z2022091800316')).Item?.status).toBe('REVOKED');
    const extB = (await cert('Z2024021600052')).Item;
    expect(Buffer.from(extB?.holderName ?? '').toString('hex')).toBe(Buffer.from('林𠮷').toString('hex'));
    expect((await cert('Z2023110500123')).Item?.status).toBe('VALID');
    expect(first.output()).toMatch(/demo data: 8 certificates loaded/);
    // Every demo holder the banner prints can log in with the printed password.
    const password = /Demo holders \(password ([^)]+)\)/.exec(first.output())![1]!;
    const printed = [...first.output().matchAll(/^ {2}(\S+) +RESIDENT_ID (\w{18}) /gm)];
    expect(printed.map((m) => m[1])).toEqual(['张伟', '王芳', '林𠮷']);
    for (const [, name, idNumber] of printed) {
      const login = await fetch(`${target.apiUrl}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ idType: 'RESIDENT_ID', idNumber, password }),
      });
      expect(login.status, name).toBe(200);
      expect(((await login.json()) as { holderName: string }).holderName).toBe(name);
    }
    await c1.ddb.send(new PutCommand({ TableName: target.tableName, Item: { pk: 'TEST#restart', sk: 'TEST', note: '𠮷' } }));
    await c1.s3.send(new PutObjectCommand({ Bucket: target.bucketName, Key: 'test/restart.txt', Body: 'kept' }));
    await c1.sqs.send(new SendMessageCommand({ QueueUrl: target.deadLetterQueueUrl, MessageBody: 'dead letter' }));
    await stopOnce(first);

    // Assess: the second run sees all three.
    const second = await startOnce();
    const again = await readLocalTarget(dataDir);
    const c2 = clients(again);
    expect(second.output()).not.toMatch(/demo data: \d+ certificates loaded/);
    const item = await c2.ddb.send(new GetCommand({ TableName: again.tableName, Key: { pk: 'TEST#restart', sk: 'TEST' } }));
    expect(item.Item?.note).toBe('𠮷');
    const object = await c2.s3.send(new GetObjectCommand({ Bucket: again.bucketName, Key: 'test/restart.txt' }));
    expect(await object.Body!.transformToString()).toBe('kept');
    const dlq = await c2.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: again.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(dlq.Attributes?.ApproximateNumberOfMessages).toBe('1');
    await stopOnce(second);

    // A third start with the queue consumers on (the two above keep them off so queued messages stay put): the demo
    // holder with the Ext-B name applies and the render consumer, in worker threads under npm start, makes it READY.
    const withConsumers = await startOnce({ ECERT_QUEUE_CONSUMERS: 'on' });
    const third = await readLocalTarget(dataDir);
    const session = (await (
      await fetch(`${third.apiUrl}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ idType: 'RESIDENT_ID', idNumber: printed[2]![2], password }),
      })
    ).json()) as { token: string };
    const auth = { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' };
    const notice = (await (await fetch(`${third.apiUrl}/v1/notice`)).json()) as { version: string };
    await fetch(`${third.apiUrl}/v1/notice/acceptance`, { method: 'POST', headers: auth, body: JSON.stringify({ version: notice.version }) });
    const applied = await fetch(`${third.apiUrl}/v1/certificates/Z2024021600052/annotations`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ scenario: 'SELF_USE', validDays: 90 }),
    });
    expect(applied.status).toBe(202);
    const { annotationId } = (await applied.json()) as { annotationId: string };
    let status = 'PENDING';
    for (let i = 0; i < 300 && status === 'PENDING'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const got = await fetch(`${third.apiUrl}/v1/certificates/Z2024021600052/annotations/${annotationId}`, { headers: auth });
      status = ((await got.json()) as { status: string }).status;
    }
    expect(status).toBe('READY');
    await stopOnce(withConsumers);
  }, 180_000);

  it('says clearly when a port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(Number(env.ECERT_PORT), '127.0.0.1', () => r()));
    try {
      const proc = spawnTs(START, [], env);
      expect(await proc.exited).toBe(1);
      expect(proc.output()).toContain(`port ${env.ECERT_PORT} (ecert API) is already in use`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 60_000);

  it('says clearly when Java is missing', async () => {
    // A PATH with node and nothing else.
    const bin = join(dataDir, 'bin-without-java');
    await mkdir(bin, { recursive: true });
    await symlink(process.execPath, join(bin, 'node'));
    const proc = spawnTs(START, [], { ...env, PATH: bin });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/DynamoDB Local needs Java 17 or newer/);
  }, 60_000);
});
