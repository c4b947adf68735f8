import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmulators } from '../../local/emulators';
import type { EmulatorEndpoints } from '../../shared/target/local-target';
import { freePort } from '../../local/ports';
import { ensureOsTools, toolsNeededBy } from './os-tools';

declare module 'vitest' {
  export interface ProvidedContext {
    emulators: EmulatorEndpoints;
  }
}

/** The test files this run will execute: all of them, or those the command line's filters select. */
async function selectedTestFiles(project: TestProject): Promise<string[]> {
  // Vitest sets its filters before the global setup runs; the property is not in its public types.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  return (await project.globTestFiles(filters)).testFiles;
}

/**
 * First, the OS programs the selected test files use (test/support/os-tools.ts): installed when the run can (root with
 * apt-get), otherwise the run stops here with one line naming the install command. Then one set of real emulators for
 * the whole run; each test file provisions its own prefixed table, bucket and queues on them
 * (test/support/local-stack.ts), so files stay isolated without each paying a JVM start.
 */
export default async function setup(project: TestProject) {
  const tools = ensureOsTools(toolsNeededBy(await selectedTestFiles(project)), (line) => console.log(line));
  if (!tools.ok) {
    // One line and out: no emulator is started, no test file runs to fail on its own.
    console.error(`\n${tools.line}\n`);
    process.exit(1);
  }
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
