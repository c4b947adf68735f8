import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FONT_ASSETS } from '../../shared/resources/font-files';
import { FUNCTIONS } from '../../shared/resources/functions';
import { REPO_ROOT } from '../../shared/repo-root';
import { spawnTs } from '../support/processes';
import { startTestStack, type TestStack } from '../support/local-stack';

/**
 * ECERT_HANDLERS=bundles: the stack synthesized into an empty folder (the runtime builds the bundles itself), then
 * the whole holder flow — apply → READY → download (SHA-256) → verification, and revocation — through the smoke
 * tool against a local stack whose every function is the esbuild bundle from the cloud assembly, running on the
 * Lambda runtime's Node major in its own container process with LAMBDA_TASK_ROOT at the bundle folder.
 */
let bundlesDir: string;
let stack: TestStack;
const logs: string[] = [];

beforeAll(async () => {
  bundlesDir = await mkdtemp(join(tmpdir(), 'ecert-bundles-'));
  await rm(bundlesDir, { recursive: true });
  stack = await startTestStack({ bundles: { dir: bundlesDir }, log: (line) => logs.push(line) });
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  await rm(bundlesDir, { recursive: true, force: true });
});

describe('the local stack on the synthesized function bundles', () => {
  it('synthesized the bundles it did not find, and says what it runs', () => {
    expect(existsSync(join(bundlesDir, 'manifest.json'))).toBe(true);
    expect(logs.some((line) => /^handlers: the function bundles of .* on Node v24\./.test(line)), logs.join('\n')).toBe(true);
  });

  it('runs the holder flow end to end through the bundles', async () => {
    const run = spawnTs('test/smoke/main.ts', ['--target', 'local', '--data-dir', stack.dataDir, '--ready-timeout', '90'], process.env);
    const code = await run.exited;
    expect(code, `${run.output()}\n--- runtime log ---\n${logs.join('\n')}`).toBe(0);
    expect(run.output()).toMatch(/^ok +download, SHA-256 checked/m);
    expect(run.output()).toMatch(/^ok +verify the downloaded PDF/m);
  }, 300_000);

  it('ran every function it used from its bundle folder, on Node 24, one process per container', () => {
    const containers = stack.containers!();
    const used = new Set(containers.map((c) => c.fnId));
    for (const fn of [FUNCTIONS.accountsCreate, FUNCTIONS.annotationsCreate, FUNCTIONS.render, FUNCTIONS.annotationDownload, FUNCTIONS.verifyCode]) {
      expect(used, fn.id).toContain(fn.id);
    }
    for (const container of containers) {
      expect(container.nodeVersion, container.fnId).toMatch(/^v24\./);
      expect(container.taskRoot.startsWith(join(bundlesDir, 'asset.')), container.taskRoot).toBe(true);
      expect(container.pid).not.toBe(process.pid);
    }
    // The renderer read its fonts where Lambda has them: next to the bundle (the folder is outside the repository).
    const render = containers.find((c) => c.fnId === FUNCTIONS.render.id)!;
    for (const asset of FONT_ASSETS) expect(existsSync(join(render.taskRoot, asset)), asset).toBe(true);
    expect(render.taskRoot.startsWith(REPO_ROOT)).toBe(false);
  });

  it('keeps the rest of the suite on the machine’s Node: npm links no node binary into node_modules/.bin', () => {
    expect(existsSync(join(REPO_ROOT, 'node_modules/.bin/node'))).toBe(false);
  });
});
