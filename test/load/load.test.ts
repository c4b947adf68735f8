import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers } from '../support/leftovers';
import { spawnTs } from '../support/processes';
import { startTestStack, type TestStack } from '../support/local-stack';
import { CALLS_PER_ANNOTATION } from './profile';
import { buildScript, scenarioWeights, STEPS } from './script';
import { summarizeReport } from './report';

/**
 * The load script in a tiny configuration against a local stack, end to end: test data in, Artillery run, figures
 * out, test data gone. No figure is asserted — only that each step was measured and the run cleaned up.
 */
describe('npm run load (tiny run against the local stack)', () => {
  let stack: TestStack;
  let out: string;
  beforeAll(async () => {
    stack = await startTestStack();
    out = await mkdtemp(join(tmpdir(), 'ecert-load-'));
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(out, { recursive: true, force: true });
  });

  it('prepares holders, runs the Artillery mix, reports every step, writes a results file and removes the test data', async () => {
    const run = spawnTs(
      'test/load/main.ts',
      ['--target', 'local', '--data-dir', stack.dataDir, '--duration', '3', '--rate', '4', '--holders', '3', '--out', out],
      process.env,
    );
    const code = await run.exited;
    const output = run.output();
    expect(code, output).toBe(0);
    expect(output).toMatch(/^ok +import 3 test certificates \(ecert import\)/m);
    expect(output).toMatch(/^ok +artillery run: 3 s at 4 requests\/s/m);
    expect(output).toMatch(/^\| step \| requests \| as intended \| p50 ms \| p95 ms \| p99 ms/m);
    expect(output).toMatch(/^ok +remove the test data \(ecert test-data remove\) .* 3 certificate\(s\)/m);

    const results = (await readdir(out)).filter((name) => name.endsWith('.json'));
    expect(results).toHaveLength(1);
    const result = JSON.parse(await readFile(join(out, results[0]!), 'utf8'));
    expect(result.figures.total.requests).toBeGreaterThan(0);
    expect(result.figures.total.requests).toBe(result.figures.steps.reduce((sum: number, s: { requests: number }) => sum + s.requests, 0));
    for (const step of result.figures.steps) expect(step.p99, step.step).toBeTypeOf('number');
    // The payloads (session tokens) do not outlive the run.
    const runDir = (await readdir(out)).find((name) => !name.endsWith('.json'))!;
    expect((await readdir(join(out, runDir))).filter((name) => name.endsWith('.csv'))).toEqual([]);

    // Every record of the test certificates and holders is gone (the audit trail and counters stay by design).
    expect(await leftovers(stack.target)).toEqual({ items: [], objects: [] });
  }, 240_000);
});

describe('the load mix', () => {
  it('weights one scenario per kind of call by the profile, each a single named request', () => {
    const script = buildScript({ target: 'http://127.0.0.1:1', durationSeconds: 1, ratePerSecond: 1 }) as {
      scenarios: Array<{ name: string; weight: number; flow: Array<Record<string, { name?: string }>> }>;
    };
    const weights = Object.fromEntries(scenarioWeights().map(([kind, w]) => [STEPS[kind].name, w]));
    expect(script.scenarios.map((s) => [s.name, s.weight])).toEqual(Object.entries(weights));
    expect(weights.poll! / weights.apply!).toBe(CALLS_PER_ANNOTATION.statusRead / CALLS_PER_ANNOTATION.apply);
    for (const scenario of script.scenarios) {
      const requests = scenario.flow.filter((step) => !('function' in step));
      expect(requests).toHaveLength(1);
      expect(Object.values(requests[0]!)[0]!.name).toBe(scenario.name);
    }
  });

  it('reads per-step statuses, network errors and latency from an Artillery report', () => {
    const figures = summarizeReport({
      aggregate: {
        counters: {
          'plugins.metrics-by-endpoint.apply.codes.202': 8,
          'plugins.metrics-by-endpoint.apply.codes.429': 2,
          'plugins.metrics-by-endpoint.apply.errors.ETIMEDOUT': 1,
          'plugins.metrics-by-endpoint.login.codes.200': 3,
          'vusers.failed': 1,
        },
        summaries: { 'plugins.metrics-by-endpoint.response_time.apply': { median: 40, p95: 90, p99: 120, max: 130 } },
      },
    });
    expect(figures.steps.map((s) => s.step)).toEqual(['login', 'apply']);
    expect(figures.steps[1]).toEqual({
      step: 'apply',
      requests: 11,
      ok: 8,
      unexpected: { '429': 2 },
      errors: { ETIMEDOUT: 1 },
      p50: 40,
      p95: 90,
      p99: 120,
      max: 130,
    });
    expect(figures.total).toMatchObject({ requests: 14, ok: 11, failed: 3 });
    expect(figures.notes).toEqual({ 'vusers.failed': 1 });
  });
});
