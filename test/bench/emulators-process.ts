/**
 * The local emulators in a process of their own, for benchmarks that measure the CPU time of the handlers: with
 * s3rver and local-aws-sqs in the benchmark's process, their work would be counted as the handlers'. Prints one line
 * `EMULATORS {json endpoints}` when ready; stops when its stdin closes (the parent exited) or on SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulators } from '../../local/emulators';
import { freePort } from '../../local/ports';
import { EMULATORS_LINE } from './stats';

const dataDir = mkdtempSync(join(tmpdir(), 'ecert-bench-emulators-'));
const emulators = await startEmulators({
  ports: { dynamodb: await freePort(), s3: await freePort(), sqs: await freePort() },
  dataDir,
  persistDynamoDb: false,
});
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await emulators.stop();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
console.log(`${EMULATORS_LINE}${JSON.stringify(emulators.endpoints)}`);
