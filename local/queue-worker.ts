/**
 * A queue consumer in its own worker thread — the local stand-in for a Lambda container: it loads the handler module
 * and builds its own AWS clients, polls like the event source mapping, and keeps CPU-bound work (rendering) off the
 * thread that serves the API and the in-process emulators.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FunctionDecl } from '../shared/resources/functions';

interface WorkerConfig {
  fn: FunctionDecl;
  queueUrl: string;
  batchSize: number;
  concurrency: number;
  idleDelayMs: number;
}

const config = workerData as WorkerConfig;
const port = parentPort!;
const { startPoller } = await import('./sqs-poller');
const { moduleHandlerLoader } = await import('./handlers');
const { sqs } = await import('../shared/aws/clients');

const loader = moduleHandlerLoader();
const poller = await startPoller({
  client: sqs(),
  queueUrl: config.queueUrl,
  fn: config.fn,
  batchSize: config.batchSize,
  handler: () => loader(config.fn),
  concurrency: config.concurrency,
  idleDelayMs: config.idleDelayMs,
  log: (line) => port.postMessage({ type: 'log', line }),
});
// Load the handler (fonts, keys) before the first message, as Lambda's init phase would.
await loader(config.fn);
const stats = setInterval(() => port.postMessage({ type: 'stats', stats: poller.stats }), 250);
port.on('message', async (message: unknown) => {
  if (message === 'pause') {
    await poller.pause();
    port.postMessage({ type: 'paused' });
  } else if (message === 'resume') {
    poller.resume();
  } else if (message === 'stop') {
    clearInterval(stats);
    await poller.stop();
    port.postMessage({ type: 'stopped', stats: poller.stats });
  }
});
port.postMessage({ type: 'ready' });
