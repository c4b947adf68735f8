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
import type { DynamoDbProcess } from './dynamodb-local';
import { provisionBucket, provisionQueues, provisionTable, resourceNames, type QueueOverrides } from './provision';
import { createLocalHttpApi } from './http-server';
import { portalStaticFiles, type StaticFiles } from './portal-server';
import { devRoutes } from './outbox';
import { moduleHandlerLoader, type HandlerLoader } from './handlers';
import { bundleHandlerLoader } from './bundles/loader';
import type { ContainerInfo } from './bundles/container-pool';
import { startPoller, type PollerStats, type RunningPoller } from './sqs-poller';
import { startWorkerPollers } from './worker-poller';
import { startTableStreams } from './table-streams';
import { startSweeper, sweepExpired } from './ttl-sweeper';
import { restoreQueues, saveQueues } from './queue-snapshot';
import { ensureLocalSecrets } from '../shared/target/local-secrets';
import { startLocalSeal } from './seal-services';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_SENDERS, localAwsEnvironment, localResourceEnvironment, writeLocalTarget, type EmulatorEndpoints, type LocalTarget } from '../shared/target/local-target';
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
  /** DynamoDB Local, already launched on `emulatorPorts.dynamodb` (npm start launches it before loading this module). */
  dynamodb?: Promise<DynamoDbProcess>;
  emulators?: EmulatorEndpoints;
  /** false: DynamoDB in memory (tests). Default true. */
  persist?: boolean;
  /** Prefix for table/bucket/queue names, so several stacks can share emulators. */
  resourcePrefix?: string;
  queueOverrides?: QueueOverrides;
  functions?: Record<string, FunctionDecl>;
  routes?: readonly RouteDecl[];
  loadHandler?: HandlerLoader;
  /**
   * Run every function from its synthesized bundle in `dir` (cdk.out) on the Lambda runtime's Node, in child-process
   * containers (`ECERT_HANDLERS=bundles`; local/bundles/). `build: false` fails instead of synthesizing when `dir` is
   * empty. Replaces `loadHandler`; queue consumers then poll on the main thread (the work runs in the containers).
   */
  bundles?: { dir: string; build?: boolean };
  publicRateLimit?: RateLimit;
  pollIdleDelayMs?: number;
  /** The stream consumers' batching window instead of the declared ones (test stacks: 0, changes delivered at once). */
  streamBatchingWindowMs?: number;
  pollConcurrency?: number;
  /** false: start no queue consumers, so messages stay on the queues (to inspect the DLQ, or test persistence). */
  queueConsumers?: boolean;
  /**
   * Run each queue consumer in this many worker threads (capped by its trigger's maxConcurrency), like separate Lambda
   * containers: rendering then never blocks the API. 0 (default) polls on the main thread, which lets tests inject
   * faults into the handlers and clients they share.
   */
  consumerWorkers?: number;
  sweepIntervalMs?: number;
  /** Scheduled functions run every `everyMinutes` unless overridden here (milliseconds, per function id). */
  scheduleIntervalMs?: Record<string, number>;
  /**
   * Every scheduled function runs this many seconds apart instead of its `everyMinutes` (`ECERT_SCHEDULE_EVERY_S`), e.g.
   * to watch the reconciler act on a backlog within seconds; `scheduleIntervalMs` still wins for the ids it names.
   */
  scheduleEverySeconds?: number;
  /** Serve the holder portal's build output (portal/dist) on the API's origin, like CloudFront in the cloud. */
  portalDir?: string;
  /** Port of the local RFC 3161 time-stamping authority (default: any free port). */
  tsaPort?: number;
  /** Runs once after provisioning, e.g. demo data on first start. */
  seed?: (runtime: { target: LocalTarget; dataDir: string }) => Promise<void>;
  log?: (line: string) => void;
}

export interface LocalRuntime {
  apiUrl: string;
  target: LocalTarget;
  pollers: Record<string, RunningPoller>;
  /** With `bundles`: the containers started so far (function, pid, Node version, task root). */
  containers?: () => ContainerInfo[];
  /** Runs a scheduled function now (tests, or `npm start`'s first reconcile). */
  runScheduled(fnId: string): Promise<unknown>;
  sweepNow(): Promise<number>;
  /** Waits until the table's stream consumers (audit trail, report counters) have seen every change so far. */
  drainStreams(timeoutMs?: number): Promise<void>;
  /** The stream consumers' batches and records so far (undefined with consumers off). */
  streamStats?: PollerStats;
  stop(): Promise<void>;
}

export const DEFAULT_PUBLIC_RATE_LIMIT: RateLimit = { ratePerSecond: 10, burst: 30 };

/** The smallest schedule interval the runtime accepts: a tighter loop would only compete with the API for the CPU. */
export const MIN_SCHEDULE_EVERY_SECONDS = 0.1;

/** `ECERT_SCHEDULE_EVERY_S`: unset or empty is undefined (the declared schedules); anything but a number ≥ 0.1 throws. */
export function parseScheduleEverySeconds(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < MIN_SCHEDULE_EVERY_SECONDS) {
    throw new RangeError(`ECERT_SCHEDULE_EVERY_S=${raw} is not a number of seconds (at least ${MIN_SCHEDULE_EVERY_SECONDS})`);
  }
  return seconds;
}

/** How often each scheduled function runs, in milliseconds: per-id override, then the global one, then its declaration. */
export function scheduleIntervals(
  functions: Record<string, FunctionDecl>,
  options: Pick<LocalRuntimeOptions, 'scheduleIntervalMs' | 'scheduleEverySeconds'>,
): Map<string, number> {
  const intervals = new Map<string, number>();
  for (const fn of Object.values(functions)) {
    if (fn.trigger?.type !== 'schedule') continue;
    const every =
      options.scheduleIntervalMs?.[fn.id] ??
      (options.scheduleEverySeconds !== undefined ? options.scheduleEverySeconds * 1000 : fn.trigger.everyMinutes * 60_000);
    intervals.set(fn.id, every);
  }
  return intervals;
}

/** Points the SDK and the handlers' configuration at the local resources: the only local/cloud difference. */
function configureEnvironment(endpoints: EmulatorEndpoints, target: Omit<LocalTarget, 'apiUrl' | 'pid' | 'startedAt'>, apiUrl: string) {
  Object.assign(process.env, {
    ...localAwsEnvironment(endpoints),
    [ENV.emailFrom]: process.env[ENV.emailFrom] ?? LOCAL_SENDERS.email,
    [ENV.smsOrigination]: process.env[ENV.smsOrigination] ?? LOCAL_SENDERS.sms,
    ...localResourceEnvironment(target),
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
  let loadHandler = options.loadHandler ?? moduleHandlerLoader();
  try {
    await mkdir(dataDir, { recursive: true });
    await assertPortFree(options.apiPort, 'ecert API', host);
  } catch (error) {
    await options.dynamodb?.then((dynamodb) => dynamodb.stop(), () => undefined);
    throw error;
  }

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
        ...(options.dynamodb ? { dynamodb: options.dynamodb } : {}),
      });
      stops.push(emulators.stop);
      endpoints = emulators.endpoints;
    }

    const names = resourceNames(options.resourcePrefix);
    const secretsDir = join(dataDir, 'secrets');
    await ensureLocalSecrets(secretsDir);
    // The seal's time-stamping authority (a qualified TSA in the cloud): docs/signing.md.
    stops.push(await startLocalSeal({ dataDir, host, port: options.tsaPort ?? 0, log }));
    const apiUrl = `http://${host}:${options.apiPort}`;
    // Provision with throw-away clients: the shared ones are built only after the environment points at the emulators.
    const bootstrapDdb = new DynamoDBClient({ endpoint: endpoints.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await provisionTable(bootstrapDdb, names.tableName);
    bootstrapDdb.destroy();
    configureEnvironment(endpoints, { endpoints, ...names, queueUrl: '', deadLetterQueueUrl: '', secretsDir }, apiUrl);
    await provisionBucket(s3(), names.bucketName);
    await provisionBucket(s3(), names.importBucketName);
    await provisionBucket(s3(), names.auditBucketName);
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
      importBucketName: names.importBucketName,
      auditBucketName: names.auditBucketName,
      queueUrl: queues.queueUrl,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
      secretsDir,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };

    if (options.seed) await options.seed({ target, dataDir });

    let containers: LocalRuntime['containers'];
    const queuePollConcurrency = (fn: FunctionDecl) =>
      options.pollConcurrency ?? Math.min(fn.trigger?.type === 'queue' ? fn.trigger.maxConcurrency : (fn.reservedConcurrency ?? 2), 4);
    if (options.bundles) {
      const bundles = await bundleHandlerLoader({
        dir: options.bundles.dir,
        functions,
        ...(options.bundles.build !== undefined ? { build: options.bundles.build } : {}),
        resources: () => ({ target, apiUrl: target.apiUrl, publicBaseUrl: process.env[ENV.publicBaseUrl] ?? target.apiUrl }),
        maxContainers: (fn) => (fn.trigger?.type === 'queue' ? queuePollConcurrency(fn) : undefined) ?? 2,
        log,
      });
      stops.push(() => bundles.stop());
      loadHandler = bundles.load;
      containers = bundles.containers;
      log(`handlers: the function bundles of ${bundles.assembly.templateFile} on Node ${bundles.node.version} (${bundles.node.path})`);
    }

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
        options.consumerWorkers && options.consumerWorkers > 0 && !options.bundles
          ? startWorkerPollers({
              fn,
              queueUrl: queueUrls[trigger.queue],
              batchSize: trigger.batchSize,
              // The event source mapping's maximum concurrency bounds consumers, as in the cloud.
              workers: Math.min(options.consumerWorkers, trigger.maxConcurrency),
              idleDelayMs,
              log,
            })
          : await startPoller({
              client: sqs(),
              queueUrl: queueUrls[trigger.queue],
              fn,
              batchSize: trigger.batchSize,
              handler: () => loadHandler(fn),
              concurrency: queuePollConcurrency(fn),
              idleDelayMs,
              log,
            });
      pollers[fn.id] = poller;
      stops.push(() => poller.stop());
    }
    const streams = await startTableStreams({ functions, endpoints, tableName: names.tableName, dataDir, loadHandler, enabled: options.queueConsumers !== false, log, ...(options.streamBatchingWindowMs !== undefined ? { batchingWindowMs: options.streamBatchingWindowMs } : {}) });
    stops.push(() => streams.stop());

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
    const intervals = scheduleIntervals(functions, options);
    if (options.scheduleEverySeconds !== undefined && intervals.size > 0) {
      log(`scheduled functions (${[...intervals.keys()].join(', ')}) run every ${options.scheduleEverySeconds} s`);
    }
    for (const [fnId, every] of intervals) {
      const timer = setInterval(() => {
        runScheduled(fnId).catch((error) => log(`${fnId}: scheduled run failed: ${(error as Error).message}`));
      }, every);
      timer.unref();
      stops.push(async () => clearInterval(timer));
    }

    const sweepNow = () => sweepExpired(ddb(), names.tableName, Math.floor(Date.now() / 1000));
    const sweeper = startSweeper({
      sweep: sweepNow,
      intervalMs: options.sweepIntervalMs ?? 60_000,
      onError: (error) => log(`ttl sweep failed: ${error.message}`),
    });
    stops.push(() => sweeper.stop());

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
    return {
      apiUrl: target.apiUrl,
      target,
      pollers,
      ...(containers ? { containers } : {}),
      runScheduled,
      sweepNow,
      drainStreams: streams.drain,
      ...(streams.stats ? { streamStats: streams.stats } : {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
