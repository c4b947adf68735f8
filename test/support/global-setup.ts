import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmulators } from '../../local/emulators';
import type { EmulatorEndpoints } from '../../shared/target/local-target';
import { freePort } from '../../local/ports';

declare module 'vitest' {
  export interface ProvidedContext {
    emulators: EmulatorEndpoints;
  }
}

/**
 * One set of real emulators for the whole run; each test file provisions its own prefixed table, bucket and queues
 * on them (test/support/local-stack.ts), so files stay isolated without each paying a JVM start.
 */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dataDir = await mkdtemp(join(tmpdir(), 'ecert-emulators-'));
  const emulators = await startEmulators({
    ports: { dynamodb: await freePort(), s3: await freePort(), sqs: await freePort() },
    dataDir,
    persistDynamoDb: false,
  });
  project.provide('emulators', emulators.endpoints);
  return async () => {
    await emulators.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
