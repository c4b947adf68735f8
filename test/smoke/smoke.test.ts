import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers } from '../support/leftovers';
import { spawnTs } from '../support/processes';
import { startTestStack, type TestStack } from '../support/local-stack';

/**
 * `npm run smoke -- --target local` as an operator runs it (a child process finding the stack through its data
 * folder), against a local stack with the production wiring. It must pass, exit 0, and leave nothing behind; and it
 * must exit non-zero — still cleaning up — when a step fails. "Nothing" is every record of the test certificate and
 * holder; the audit trail of what the run did, the report counters and the seal's status lists stay
 * (test/support/leftovers.ts).
 */
async function smoke(stack: TestStack, ...args: string[]) {
  const run = spawnTs('test/smoke/main.ts', ['--target', 'local', '--data-dir', stack.dataDir, ...args], {
    ...process.env,
    POWERTOOLS_LOG_LEVEL: 'WARN',
  });
  const code = await run.exited;
  return { code, output: run.output() };
}

describe('npm run smoke against the local stack', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('walks the whole holder flow, prints every step with its time, exits 0 and removes what it made', async () => {
    const before = await leftovers(stack.target);
    const { code, output } = await smoke(stack);
    expect(code, output).toBe(0);
    for (const step of [
      'import certificate (ecert import)',
      'register holder',
      'accept the service notice',
      'apply for an annotation',
      'wait for READY',
      'download, SHA-256 checked',
      'verify by code',
      'verify the downloaded PDF',
      'revoke (ecert revoke)',
      'revoked: verification and download refuse',
      'clean up (ecert test-data remove)',
    ]) {
      expect(output).toMatch(new RegExp(`^ok +${step.replace(/[()]/g, '\\$&')} +\\d+ ms`, 'm'));
    }
    expect(output).toMatch(/smoke: PASSED — 15 steps/);
    expect(output).toContain('1 annotation(s), 1 PDF(s), 1 verification code(s), the holder account');
    expect(await leftovers(stack.target)).toEqual(before);
  }, 120_000);

  describe('with the render consumer off', () => {
    let stalled: TestStack;
    beforeAll(async () => {
      stalled = await startTestStack({ queueConsumers: false });
    });
    afterAll(async () => {
      await stalled?.stop();
    });

    it('fails the READY step, skips the rest, still cleans up, and exits 1', async () => {
      const { code, output } = await smoke(stalled, '--ready-timeout', '2');
      expect(code, output).toBe(1);
      expect(output).toMatch(/^FAIL wait for READY .*still PENDING/m);
      expect(output).toMatch(/^skip download, SHA-256 checked/m);
      expect(output).toMatch(/^ok +clean up \(ecert test-data remove\)/m);
      expect(output).toMatch(/smoke: FAILED — wait for READY/);
      expect((await leftovers(stalled.target)).items).toEqual([]);
    }, 120_000);
  });

  it('refuses a target it cannot find with exit 2', async () => {
    const run = spawnTs('test/smoke/main.ts', ['--target', 'local', '--data-dir', '/nonexistent/ecert'], process.env);
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/no local stack found/);
  }, 60_000);
});
