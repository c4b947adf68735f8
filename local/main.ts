import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
/**
 * `npm start`: the whole system on loopback — DynamoDB Local, s3rver, local-aws-sqs, the HTTP API, queue pollers,
 * schedules and the TTL sweeper — with data kept under .local-data/ so a restart loses nothing.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The runtime prints its own access log; handlers' structured logs show from WARN up unless asked for more.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
// CloudWatch embedded metrics would only be noise on a terminal.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

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

const { PortInUseError } = await import('./ports');
const { JavaMissingError, dynamoDbDataDir, launchDynamoDb } = await import('./dynamodb-local');
const { DEFAULT_DATA_DIR } = await import('../shared/target/local-target');
// First of all, before the rest of the runtime loads: DynamoDB Local's JVM is the slowest part of a start.
const dynamodbPort = port('ECERT_DYNAMODB_PORT', 8000);
const dynamodb = launchDynamoDb(dynamodbPort, dynamoDbDataDir(DEFAULT_DATA_DIR, true));
// Reported where the runtime awaits it (below), with every other reason a start can fail.
dynamodb.catch(() => undefined);

const { startLocalRuntime, parseScheduleEverySeconds } = await import('./runtime');
const { LambdaNodeMissingError } = await import('./bundles/node24');
const { DEFAULT_BUNDLES_DIR } = await import('./bundles/loader');
const { seedDemoData, DEMO_HINTS } = await import('./demo-data');
const { buildPortal, PORTAL_DIST_DIR } = await import('../portal/build/build');
const { completePortalInBackground } = await import('../portal/build/background');
const { fontSliceCacheDir } = await import('../portal/build/font-slices');

// ECERT_HANDLERS=bundles: every function from its synthesized bundle (cdk.out) on the Lambda runtime's Node.
const handlers = process.env.ECERT_HANDLERS || 'modules';
if (handlers !== 'modules' && handlers !== 'bundles') {
  console.error(`ECERT_HANDLERS=${handlers}: expected modules (the TypeScript sources, default) or bundles (cdk.out)`);
  process.exit(2);
}
const bundlesDir = resolve(process.env.ECERT_BUNDLES_DIR || DEFAULT_BUNDLES_DIR);

let scheduleEverySeconds: number | undefined;
try {
  scheduleEverySeconds = parseScheduleEverySeconds(process.env.ECERT_SCHEDULE_EVERY_S);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const host = process.env.ECERT_HOST ?? '127.0.0.1';
const started = performance.now();
console.log('ecert: starting the local stack (DynamoDB Local, s3rver, local-aws-sqs, aws-ses-v2-local, SMS answerer)…');

const stamp = (line: string) => console.log(`${new Date().toISOString().slice(11, 23)} ${line}`);

// The holder portal (portal/dist): rebuilt when its sources changed, with the Extension B font slices the user's cache
// already has. On a machine's first start there are none: cutting them takes about a minute of CPU, so the stack does
// not wait — a background build (at the lowest CPU priority) cuts them once for every clone and adds them to
// portal/dist when done. The build runs while the emulators start; the banner waits for both.
const portalBuild = buildPortal({ cutFonts: false, log: (line) => console.log(line) }).then(
  (info) => info.font.pendingSlices,
  (error: Error) => {
    console.error(`ecert: the portal could not be built, serving the API only — ${error.message}`);
    return undefined;
  },
);
const fontStarted = performance.now();
const fontBuild = portalBuild.then((pending) => (pending ? completePortalInBackground(stamp) : undefined));

let runtime: Awaited<ReturnType<typeof startLocalRuntime>>;
try {
  runtime = await startLocalRuntime({
    dataDir: DEFAULT_DATA_DIR,
    host,
    apiPort: port('ECERT_PORT', 3000),
    emulatorPorts: {
      dynamodb: dynamodbPort,
      s3: port('ECERT_S3_PORT', 4569),
      sqs: port('ECERT_SQS_PORT', 9324),
      ses: port('ECERT_SES_PORT', 8005),
      sms: port('ECERT_SMS_PORT', 8006),
    },
    dynamodb,
    seed: seedDemoData,
    portalDir: PORTAL_DIST_DIR,
    // Consumers in worker threads, one per core: rendering stays off the thread that serves the API.
    consumerWorkers: Math.max(1, availableParallelism()),
    queueConsumers: process.env.ECERT_QUEUE_CONSUMERS !== 'off',
    ...(scheduleEverySeconds !== undefined ? { scheduleEverySeconds } : {}),
    ...(handlers === 'bundles' ? { bundles: { dir: bundlesDir } } : {}),
    log: stamp,
  });
} catch (error) {
  (await fontBuild)?.stop();
  if (error instanceof PortInUseError || error instanceof JavaMissingError || error instanceof LambdaNodeMissingError) {
    console.error(`\necert: cannot start — ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const pendingFontSlices = await portalBuild;
const portalDir = pendingFontSlices === undefined ? undefined : PORTAL_DIST_DIR;
const fonts = await fontBuild;
void fonts?.done.then((complete) => {
  if (complete) {
    stamp(`portal: Extension B font ready (${((performance.now() - fontStarted) / 1000).toFixed(0)} s, cached for every later start) — reload the page`);
  }
});

const api = runtime.apiUrl;
const fontNote = fonts
  ? `
  Note       first start on this machine: the portal's Extension B font (${pendingFontSlices} slices of HanaMinB) is being cut in
             the background, about a minute, once per machine (cached in ${fontSliceCacheDir()}). Until it is done,
             rare characters such as 𠮷 show in the browser's fallback font; everything else works now.
`
  : '';
console.log(`
ecert is up in ${((performance.now() - started) / 1000).toFixed(1)} s — data in ${DEFAULT_DATA_DIR}

  Portal     ${portalDir ? `${api}/` : '(not built: npm run build:portal)'}
  Verify     ${api}/verify
  API        ${api}/v1
  OpenAPI    ${api}/openapi.json
  Outbox     ${api}/dev/outbox.html (codes and reminders sent by SMS and e-mail; local only)
${fontNote}Try it:
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
  // Slices already cut stay in the cache; the next start cuts only the rest.
  fonts?.stop();
  await runtime.stop();
  console.log('ecert: stopped cleanly');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
