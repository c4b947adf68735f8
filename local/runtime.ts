import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROUTES, type RouteDecl } from '../shared/resources/routes';
import { FUNCTIONS, type FunctionDecl } from '../shared/resources/functions';
import { ENV } from '../shared/config/env';
import { ddb, resetClients, s3, sqs } from '../shared/aws/clients';
import { clearSecretCache } from '../shared/config/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startEmulators, type EmulatorPorts } from './emulators';
import { provisionBucket, provisionQueues, provisionTable, resourceNames, type QueueOverrides } from './provision';
import { createLocalHttpApi } from './http-server';
import { portalStaticFiles, type StaticFiles } from './portal-server';
import { devRoutes } from './outbox';
import { moduleHandlerLoader, type HandlerLoader } from './handlers';
import { startPoller, type RunningPoller } from './sqs-poller';
import { startWorkerPollers } from './worker-poller';
import { sweepExpired } from './ttl-sweeper';
import { restoreQueues, saveQueues } from './queue-snapshot';
import { ensureLocalSecrets } from '../shared/target/local-secrets';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_SENDERS, writeLocalTarget, type EmulatorEndpoints, type LocalTarget } from '../shared/target/local-target';
import { assertPortFree } from './ports';
import { lambdaContext, invokeWithTimeout } from './lambda-context';
import type { RateLimit } from './rate-limit';

/**
 * The local stack: the same handler modules the CDK stack deploys, on real AWS emulators, wired the way API Gateway,
 * the SQS event source mapping, EventBridge schedules and DynamoDB TTL wire them in the cloud.
 */
export interface LocalRuntimeOptions {
  dataDir: string;
  host?: string;
  apiPort: number;
  /** Start emulators on these ports; or pass `emulators` to reuse running ones (tests share one set per run). */
  emulatorPorts?: EmulatorPorts;
  emulators?: EmulatorEndpoints;
  /** false: DynamoDB in memory (tests). Default true. */
  persist?: boolean;
  /** Prefix for table/bucket/queue names, so several stacks can share emulators. */
  resourcePrefix?: string;
  queueOverrides?: QueueOverrides;
  functions?: Record<string, FunctionDecl>;
  routes?: readonly RouteDecl[];
  loadHandler?: HandlerLoader;
  publicRateLimit?: RateLimit;
  pollIdleDelayMs?: number;
  pollConcurrency?: number;
  /** false: start no queue consumers, so messages stay on the queues (to inspect the DLQ, or test persistence). */
  queueConsumers?: boolean;
  /**
   * Run each queue consumer in this many worker threads (capped by its reserved concurrency), like separate Lambda
   * containers: rendering then never blocks the API. 0 (default) polls on the main thread, which lets tests inject
   * faults into the handlers and clients they share.
   */
  consumerWorkers?: number;
  sweepIntervalMs?: number;
  /** Scheduled functions run every `everyMinutes` unless overridden here (milliseconds, per function id). */
  scheduleIntervalMs?: Record<string, number>;
  /** Serve the holder portal's build output (portal/dist) on the API's origin, like CloudFront in the cloud. */
  portalDir?: string;
  /** Runs once after provisioning, e.g. demo data on first start. */
  seed?: (runtime: { target: LocalTarget; dataDir: string }) => Promise<void>;
  log?: (line: string) => void;
}

export interface LocalRuntime {
  apiUrl: string;
  target: LocalTarget;
  pollers: Record<string, RunningPoller>;
  /** Runs a scheduled function now (tests, or `npm start`'s first reconcile). */
  runScheduled(fnId: string): Promise<unknown>;
  sweepNow(): Promise<number>;
  stop(): Promise<void>;
}

export const DEFAULT_PUBLIC_RATE_LIMIT: RateLimit = { ratePerSecond: 10, burst: 30 };

/** Points the SDK and the handlers' configuration at the local resources: the only local/cloud difference. */
function configureEnvironment(endpoints: EmulatorEndpoints, target: Omit<LocalTarget, 'apiUrl' | 'pid' | 'startedAt'>, apiUrl: string) {
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SESV2: endpoints.ses,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: endpoints.sms,
    [ENV.emailFrom]: process.env[ENV.emailFrom] ?? LOCAL_SENDERS.email,
    [ENV.smsOrigination]: process.env[ENV.smsOrigination] ?? LOCAL_SENDERS.sms,
    [ENV.tableName]: target.tableName,
    [ENV.bucketName]: target.bucketName,
    [ENV.queueUrl]: target.queueUrl,
    [ENV.deadLetterQueueUrl]: target.deadLetterQueueUrl,
    [ENV.localSecretsDir]: target.secretsDir,
    [ENV.publicBaseUrl]: process.env[ENV.publicBaseUrl] ?? apiUrl,
    POWERTOOLS_SERVICE_NAME: 'ecert',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_NAMESPACE: 'ecert',
    POWERTOOLS_DEV: process.env.POWERTOOLS_DEV ?? 'false',
  });
  delete process.env.AWS_PROFILE;
  resetClients();
  clearSecretCache();
}

/** What the local HTTP server answers besides the API: the /dev outbox (local only), then the portal's files. */
function localPaths(endpoints: EmulatorEndpoints, portalDir: string | undefined): StaticFiles {
  const dev = devRoutes(endpoints);
  const portal = portalDir ? portalStaticFiles(portalDir) : undefined;
  return async (request, response) => (await dev(request, response)) || (portal ? portal(request, response) : false);
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const functions: Record<string, FunctionDecl> = options.functions ?? FUNCTIONS;
  const routes = options.routes ?? ROUTES;
  const loadHandler = options.loadHandler ?? moduleHandlerLoader();
  await mkdir(dataDir, { recursive: true });
  await assertPortFree(options.apiPort, 'ecert API', host);

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => log(`shutdown: ${(error as Error).message}`));
    stops.length = 0;
  };

  try {
    let endpoints = options.emulators;
    if (!endpoints) {
      if (!options.emulatorPorts) throw new Error('either emulators or emulatorPorts is required');
      const emulators = await startEmulators({
        ports: options.emulatorPorts,
        dataDir,
        persistDynamoDb: options.persist ?? true,
      });
      stops.push(emulators.stop);
      endpoints = emulators.endpoints;
    }

    const names = resourceNames(options.resourcePrefix);
    const secretsDir = join(dataDir, 'secrets');
    await ensureLocalSecrets(secretsDir);
    const apiUrl = `http://${host}:${options.apiPort}`;
    // Provision with throw-away clients: the shared ones are built only after the environment points at the emulators.
    const bootstrapDdb = new DynamoDBClient({ endpoint: endpoints.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await provisionTable(bootstrapDdb, names.tableName);
    bootstrapDdb.destroy();
    configureEnvironment(endpoints, { endpoints, ...names, queueUrl: '', deadLetterQueueUrl: '', secretsDir }, apiUrl);
    await provisionBucket(s3(), names.bucketName);
    const queues = await provisionQueues(sqs(), names, options.queueOverrides);
    const partial = { endpoints, ...names, ...queues, secretsDir };
    configureEnvironment(endpoints, partial, apiUrl);

    const snapshotFile = join(dataDir, `${names.queueName}.queues.json`);
    const queueUrls = { annotations: queues.queueUrl, deadLetter: queues.deadLetterQueueUrl };
    const restored = await restoreQueues(sqs(), queueUrls, snapshotFile);
    if (restored > 0) log(`restored ${restored} queued message(s) from the last run`);

    const target: LocalTarget = {
      apiUrl,
      endpoints,
      tableName: names.tableName,
      bucketName: names.bucketName,
      queueUrl: queues.queueUrl,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
      secretsDir,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };

    if (options.seed) await options.seed({ target, dataDir });

    // Stops run in reverse order of registration: API first, then pollers, then the queue snapshot, then emulators.
    stops.push(async () => {
      const saved = await saveQueues(sqs(), queueUrls, snapshotFile);
      if (saved > 0) log(`saved ${saved} queued message(s) for the next run`);
    });
    const pollers: Record<string, RunningPoller> = {};
    for (const fn of Object.values(functions)) {
      if (fn.trigger?.type !== 'queue' || options.queueConsumers === false) continue;
      const trigger = fn.trigger;
      const idleDelayMs = options.pollIdleDelayMs ?? 100;
      const poller =
        options.consumerWorkers && options.consumerWorkers > 0
          ? await startWorkerPollers({
              fn,
              queueUrl: queueUrls[trigger.queue],
              batchSize: trigger.batchSize,
              workers: Math.min(options.consumerWorkers, fn.reservedConcurrency ?? 1),
              idleDelayMs,
              log,
            })
          : await startPoller({
              client: sqs(),
              queueUrl: queueUrls[trigger.queue],
              fn,
              batchSize: trigger.batchSize,
              handler: () => loadHandler(fn),
              concurrency: options.pollConcurrency ?? Math.min(fn.reservedConcurrency ?? 2, 4),
              idleDelayMs,
              log,
            });
      pollers[fn.id] = poller;
      stops.push(() => poller.stop());
    }

    const runScheduled = async (fnId: string) => {
      const fn = Object.values(functions).find((f) => f.id === fnId);
      if (!fn) throw new Error(`no function ${fnId}`);
      const handler = await loadHandler(fn);
      const event = {
        version: '0',
        id: crypto.randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: new Date().toISOString(),
        region: LOCAL_REGION,
        resources: [`arn:aws:events:${LOCAL_REGION}:000000000000:rule/local-${fn.id}`],
        detail: {},
      };
      return invokeWithTimeout(fn, () => handler(event, lambdaContext(fn)));
    };
    for (const fn of Object.values(functions)) {
      if (fn.trigger?.type !== 'schedule') continue;
      const every = options.scheduleIntervalMs?.[fn.id] ?? fn.trigger.everyMinutes * 60_000;
      const timer = setInterval(() => {
        runScheduled(fn.id).catch((error) => log(`${fn.id}: scheduled run failed: ${(error as Error).message}`));
      }, every);
      timer.unref();
      stops.push(async () => clearInterval(timer));
    }

    const sweepNow = () => sweepExpired(ddb(), names.tableName, Math.floor(Date.now() / 1000));
    const sweeper = setInterval(() => {
      sweepNow().catch((error) => log(`ttl sweep failed: ${(error as Error).message}`));
    }, options.sweepIntervalMs ?? 60_000);
    sweeper.unref();
    stops.push(async () => clearInterval(sweeper));

    const notFound = functions.notFound ?? FUNCTIONS.notFound;
    const server: Server = createLocalHttpApi({
      routes,
      functions,
      defaultFunction: notFound,
      loadHandler,
      publicRateLimit: options.publicRateLimit ?? DEFAULT_PUBLIC_RATE_LIMIT,
      staticFiles: localPaths(endpoints, options.portalDir),
      log,
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.apiPort, host, () => resolveListen());
    });
    stops.push(
      () =>
        new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          server.closeAllConnections();
        }),
    );
    const boundPort = (server.address() as AddressInfo).port;
    target.apiUrl = `http://${host}:${boundPort}`;

    await writeLocalTarget(dataDir, target);
    return { apiUrl: target.apiUrl, target, pollers, runScheduled, sweepNow, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
