import { availableParallelism } from 'node:os';
/**
 * `npm start`: the whole system on loopback — DynamoDB Local, s3rver, local-aws-sqs, the HTTP API, queue pollers,
 * schedules and the TTL sweeper — with data kept under .local-data/ so a restart loses nothing.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The runtime prints its own access log; handlers' structured logs show from WARN up unless asked for more.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
// CloudWatch embedded metrics would only be noise on a terminal.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const { startLocalRuntime } = await import('./runtime');
const { PortInUseError } = await import('./ports');
const { JavaMissingError } = await import('./emulators');
const { DEFAULT_DATA_DIR } = await import('../shared/target/local-target');
const { seedDemoData, DEMO_HINTS } = await import('./demo-data');
const { buildPortal, PORTAL_DIST_DIR } = await import('../portal/build/build');

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`${name}=${raw} is not a port number (1–65535)`);
    process.exit(2);
  }
  return value;
}

const host = process.env.ECERT_HOST ?? '127.0.0.1';
const started = performance.now();
console.log('ecert: starting the local stack (DynamoDB Local, s3rver, local-aws-sqs, aws-ses-v2-local, SMS answerer)…');

// The holder portal (portal/dist): rebuilt when its sources changed, the font slices cached after the first build.
let portalDir: string | undefined = PORTAL_DIST_DIR;
try {
  await buildPortal({ log: (line) => console.log(line) });
} catch (error) {
  portalDir = undefined;
  console.error(`ecert: the portal could not be built, serving the API only — ${(error as Error).message}`);
}

let runtime: Awaited<ReturnType<typeof startLocalRuntime>>;
try {
  runtime = await startLocalRuntime({
    dataDir: DEFAULT_DATA_DIR,
    host,
    apiPort: port('ECERT_PORT', 3000),
    emulatorPorts: {
      dynamodb: port('ECERT_DYNAMODB_PORT', 8000),
      s3: port('ECERT_S3_PORT', 4569),
      sqs: port('ECERT_SQS_PORT', 9324),
      ses: port('ECERT_SES_PORT', 8005),
      sms: port('ECERT_SMS_PORT', 8006),
    },
    seed: seedDemoData,
    portalDir,
    // Consumers in worker threads, one per core: rendering stays off the thread that serves the API.
    consumerWorkers: Math.max(1, availableParallelism()),
    queueConsumers: process.env.ECERT_QUEUE_CONSUMERS !== 'off',
    log: (line) => console.log(`${new Date().toISOString().slice(11, 23)} ${line}`),
  });
} catch (error) {
  if (error instanceof PortInUseError || error instanceof JavaMissingError) {
    console.error(`\necert: cannot start — ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const api = runtime.apiUrl;
console.log(`
ecert is up in ${((performance.now() - started) / 1000).toFixed(1)} s — data in ${DEFAULT_DATA_DIR}

  Portal     ${portalDir ? `${api}/` : '(not built: npm run build:portal)'}
  Verify     ${api}/verify
  API        ${api}/v1
  OpenAPI    ${api}/openapi.json
  Outbox     ${api}/dev/outbox.html (codes and reminders sent by SMS and e-mail; local only)

Try it:
  curl ${api}/v1/health
${DEMO_HINTS(api)}
Ctrl-C stops everything; the next npm start picks up where this one left off.
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) {
    console.log('ecert: forced exit');
    process.exit(130);
  }
  stopping = true;
  console.log(`\necert: ${signal} — stopping (Ctrl-C again to force)…`);
  await runtime.stop();
  console.log('ecert: stopped cleanly');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
