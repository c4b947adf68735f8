import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime';
import { freePort } from '../../local/ports';
import { checkedFetch } from './contract';

export interface TestStack extends LocalRuntime {
  dataDir: string;
  /** fetch against the stack's API, path relative to its root; every API response is checked against the OpenAPI document. */
  api(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * A local runtime for one test file on the run's shared emulators: its own table, bucket and queues (random prefix),
 * its own data folder and API port. Everything else is the production wiring.
 */
export async function startTestStack(options: Partial<LocalRuntimeOptions> = {}): Promise<TestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ecert-test-'));
  const runtime = await startLocalRuntime({
    dataDir,
    apiPort: await freePort(),
    emulators: inject('emulators'),
    resourcePrefix: `t${randomBytes(4).toString('hex')}-`,
    log: () => undefined,
    // Tests fire many requests from one address; the per-client limit has its own test.
    publicRateLimit: { ratePerSecond: 10_000, burst: 10_000 },
    // Assertions on the audit archive and the counters wait for the stream; the declared 5 s window would only slow them.
    streamBatchingWindowMs: 0,
    ...options,
  });
  return {
    ...runtime,
    dataDir,
    api: (path, init) => checkedFetch(`${runtime.apiUrl}${path}`, init),
    stop: async () => {
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
