import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbDataDir, launchDynamoDb, type DynamoDbProcess } from './dynamodb-local';
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

async function startDynamoDb(launch: Promise<DynamoDbProcess>): Promise<{ stop(): Promise<void> }> {
  const dynamodb = await launch;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${dynamodb.port}`,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await waitFor('DynamoDB Local', () => client.send(new ListTablesCommand({ Limit: 1 })), dynamodb.child);
  } catch (error) {
    dynamodb.child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${dynamodb.output()}`);
  } finally {
    client.destroy();
  }
  return { stop: dynamodb.stop };
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
  /** DynamoDB Local already launched by the caller (npm start does it first thing) on `ports.dynamodb`. */
  dynamodb?: Promise<DynamoDbProcess>;
}

export async function startEmulators({ ports, dataDir, persistDynamoDb, dynamodb: launched }: StartEmulatorsOptions): Promise<RunningEmulators> {
  // All at once: DynamoDB Local's JVM takes seconds to answer, and nothing else waits for it.
  const starting = [
    startDynamoDb(launched ?? launchDynamoDb(ports.dynamodb, dynamoDbDataDir(dataDir, persistDynamoDb))),
    startHttpEmulators(ports, join(dataDir, 's3')),
    startSes(ports.ses),
    startSms(ports.sms),
  ] as const;
  const settled = await Promise.allSettled(starting);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await Promise.allSettled(settled.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
    throw failed.reason;
  }
  // Every one has started: this only reads their results, typed.
  const [dynamodb, http, ses, sms] = await Promise.all(starting);
  const stops = [dynamodb.stop, http.stop, ses.stop, sms.stop];
  const messagingPorts = { ses: ses.port, sms: sms.port };
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

