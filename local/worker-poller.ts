import { Worker } from 'node:worker_threads';
import type { FunctionDecl } from '../shared/resources/functions';
import { RECENT_SAMPLES, type PollerStats, type RunningPoller } from './sqs-poller';

type Stats = PollerStats;
type WorkerMessage =
  | { type: 'ready' }
  | { type: 'paused' }
  | { type: 'log'; line: string }
  | { type: 'stats' | 'stopped'; stats: Stats };

/**
 * Starts `workers` consumer threads for one queue function (like `workers` warm Lambda containers) and presents them
 * as one poller. Each thread handles one batch at a time, as a container does.
 *
 * It returns before the threads are ready: loading the render handler (fonts, keys) takes seconds, and messages
 * simply wait in the queue meanwhile, as they do for a cold Lambda container — the stack is up without it.
 */
export function startWorkerPollers(options: {
  fn: FunctionDecl;
  queueUrl: string;
  batchSize: number;
  workers: number;
  idleDelayMs: number;
  log: (line: string) => void;
}): RunningPoller {
  const perWorker: Stats[] = [];
  let stopping = false;
  const stats: Stats = { batches: 0, succeeded: 0, failed: 0, recent: [] };
  const refresh = () => {
    stats.batches = perWorker.reduce((s, w) => s + w.batches, 0);
    stats.succeeded = perWorker.reduce((s, w) => s + w.succeeded, 0);
    stats.failed = perWorker.reduce((s, w) => s + w.failed, 0);
    stats.recent = perWorker.flatMap((w) => w.recent).slice(-RECENT_SAMPLES);
  };
  const workers: Worker[] = [];
  const ready = Promise.all(
    Array.from({ length: options.workers }, (_, index) => {
      perWorker.push({ batches: 0, succeeded: 0, failed: 0, recent: [] });
      const worker = new Worker(new URL('./ts-worker.mjs', import.meta.url), {
        workerData: {
          entry: new URL('./queue-worker.ts', import.meta.url).href,
          fn: options.fn,
          queueUrl: options.queueUrl,
          batchSize: options.batchSize,
          concurrency: 1,
          idleDelayMs: options.idleDelayMs,
        },
      });
      workers.push(worker);
      return new Promise<void>((resolve, reject) => {
        worker.on('message', (message: WorkerMessage) => {
          if (message.type === 'ready') resolve();
          else if (message.type === 'log') options.log(message.line);
          else if (message.type === 'paused') return;
          else {
            perWorker[index] = message.stats;
            refresh();
          }
        });
        worker.once('error', reject);
        // After start-up a dying consumer thread must be loud: its queue would silently stop draining.
        worker.on('error', (error) => options.log(`${options.fn.id} worker ${index}: ${error.name}: ${error.message}`));
        worker.on('exit', (code) => {
          if (code !== 0 && !stopping) options.log(`${options.fn.id} worker ${index} exited with code ${code}`);
        });
      });
    }),
  );
  // The error listener above has said why; a thread that never came up only leaves its messages in the queue.
  ready.catch(() => undefined);
  return {
    stats,
    async pause() {
      await ready;
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              const onMessage = (message: WorkerMessage) => {
                if (message.type !== 'paused') return;
                worker.off('message', onMessage);
                resolve();
              };
              worker.on('message', onMessage);
              worker.postMessage('pause');
            }),
        ),
      );
    },
    resume() {
      // A pause waited for every thread, so all of them are there to resume.
      for (const worker of workers) worker.postMessage('resume');
    },
    async stop() {
      // terminate() ends a thread with exit code 1: expected now, not worth a log line.
      stopping = true;
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              const done = setTimeout(() => void worker.terminate().then(() => resolve()), 10_000);
              worker.on('message', (message: WorkerMessage) => {
                if (message.type !== 'stopped') return;
                clearTimeout(done);
                void worker.terminate().then(() => resolve());
              });
              worker.postMessage('stop');
            }),
        ),
      );
    },
  };
}
