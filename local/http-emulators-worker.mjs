// s3rver and local-aws-sqs in a worker thread of their own: in the runtime's main thread they shared one event loop
// with the HTTP API, so every SendMessage and PutObject waited behind the handlers' work (and the handlers behind
// theirs). Plain JavaScript: both are JavaScript packages, and the thread needs no TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import S3rver from 's3rver';
import { createSqsServer } from 'local-aws-sqs';

const { s3Port, s3Directory, sqsPort, region } = workerData;
const s3 = new S3rver({ address: '127.0.0.1', port: s3Port, directory: s3Directory, silent: true });
await s3.run();
const sqs = await createSqsServer({ port: sqsPort, hostname: '127.0.0.1', region, emulateQueueCreationLifecycle: false });

parentPort.on('message', async (message) => {
  if (message !== 'stop') return;
  sqs.closeAllConnections?.();
  await new Promise((resolve) => sqs.close(() => resolve(undefined)));
  await s3.close();
  parentPort.postMessage({ type: 'stopped' });
});
parentPort.postMessage({ type: 'ready' });
