import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config';
import { readMeasuredInputs, type MeasuredInputs } from '../../infra/sizing';
import { AWS_LATENCY_MS, QUOTAS } from '../../infra/quotas';
import { REPO_ROOT } from '../../shared/repo-root';
import { ROUTES } from '../../shared/resources/routes';
import { CAPACITY_DOC, capacityMarkdown, capacityOf } from '../bench/capacity';
import { capacityRows, headroom, REQUIRED_HEADROOM, verdict, type Capacity, type TemplateJson } from '../bench/capacity-model';
import { synth, synthProd, type Synthesized } from '../support/synth';

/**
 * `npm run capacity` (docs/capacity.md) as a test: the prod stack, synthesized, must hold the results-day peak with at
 * least 2× headroom on every limit, and every rule (maxConcurrency ≤ reservation, …) must hold.
 */
let prodSynth: Synthesized;
let prod: Capacity;
let measured: MeasuredInputs;
beforeAll(() => {
  measured = readMeasuredInputs();
  prodSynth = synthProd({ measured });
  prod = capacityOf(prodSynth, ENVIRONMENTS.prod.peak, measured);
}, 240_000);

const clone = (json: unknown) => JSON.parse(JSON.stringify(json)) as TemplateJson;
const rowsOf = (json: TemplateJson) => capacityRows({ json, peak: ENVIRONMENTS.prod.peak, measured }).rows;

describe('capacity of the prod stack on results day', () => {
  it(`has at least ${REQUIRED_HEADROOM}× headroom on every limit, and every rule holds`, () => {
    const short = prod.rows
      .filter((row) => verdict(row) !== 'ok')
      .map((row) => `${row.limit}: need ${row.need.toFixed(1)}, limit ${row.value} ${row.unit} (${headroom(row).toFixed(2)}×)`);
    expect(short).toEqual([]);
  });

  it('has a row for each kind of limit the issue names', () => {
    const limits = prod.rows.map((r) => r.limit).join('\n');
    for (const expected of [
      /API route throttle POST \/v1\/certificates\/\{certId\}\/annotations/,
      /HTTP API account throttle/,
      /Lambda account concurrency/,
      /Lambda scaling rate/,
      /Render throughput/,
      /SQS in-flight/,
      /DynamoDB table writes at once/,
      /DynamoDB GSI gsi2 writes/,
      /DynamoDB partition: one gsi2 \(PENDING\) shard/,
      /S3 PUT on annotations\//,
      /Secrets Manager/,
      /KMS/,
      /Per-client rate rule/,
    ]) {
      expect(limits).toMatch(expected);
    }
    for (const route of ROUTES) expect(limits).toContain(`API route throttle ${route.method} ${route.path}`);
  });

  it('computes the busiest minute from the profile: 333 annotations/s', () => {
    expect(prod.demand.annotationsPerSecond).toBeCloseTo(333.33, 1);
  });
});

describe('the report reads its limits from the template', () => {
  const stageOf = (json: TemplateJson) => Object.values(json.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
  const applyRoute = 'POST /v1/certificates/{certId}/annotations';
  const applyRow = (json: TemplateJson) => rowsOf(json).find((r) => r.limit === `API route throttle ${applyRoute}`)!;

  it('fails a route whose throttle in the template is below twice its need', () => {
    const json = clone(prodSynth.json);
    const settings = stageOf(json).Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number }>;
    settings[applyRoute]!.ThrottlingRateLimit = Math.floor(prod.demand.routes[applyRoute]! * 1.5);
    expect(verdict(applyRow(json))).toBe('tight');
    expect(applyRow(json).source).toContain('RouteSettings');
  });

  it('falls back to the stage default, and says so, for a route without its own setting', () => {
    const json = clone(prodSynth.json);
    delete (stageOf(json).Properties.RouteSettings as Record<string, unknown>)[applyRoute];
    expect(applyRow(json).source).toMatch(/no route setting/);
    expect(verdict(applyRow(json))).toBe('over');
  });

  it('fails the rule when the event source may exceed the reservation, and the fleet row follows maxConcurrency', () => {
    const json = clone(prodSynth.json);
    const mapping = Object.values(json.Resources).find(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && ((r.Properties.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 0) > 2,
    )!;
    (mapping.Properties.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency = 500;
    const rows = rowsOf(json);
    expect(verdict(rows.find((r) => r.limit.startsWith('Render event source maximum concurrency'))!)).toBe('fails');
    expect(rows.find((r) => r.limit.startsWith('Render throughput'))!.limit).toContain('500 containers');
  });

  it('falls back to on-demand’s starting throughput when the table is not pre-warmed', () => {
    const json = clone(prodSynth.json);
    const table = Object.values(json.Resources).find((r) => r.Type === 'AWS::DynamoDB::Table')!;
    delete table.Properties.WarmThroughput;
    const row = rowsOf(json).find((r) => r.limit === 'DynamoDB table writes at once')!;
    expect(row.value).toBe(QUOTAS.dynamodbOnDemandInitialWrite.value);
    expect(row.source).toBe(`${QUOTAS.dynamodbOnDemandInitialWrite.source} (no warm throughput: on-demand's start)`);
  });
});

describe('quotas and planning figures', () => {
  it('cites an AWS documentation page for every quota and latency figure', () => {
    for (const [name, quota] of Object.entries(QUOTAS)) {
      expect(quota.source, name).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(quota.value, name).toBeGreaterThan(0);
    }
    for (const [name, latency] of Object.entries(AWS_LATENCY_MS)) expect(latency.source, name).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });
});

describe('docs/capacity.md', () => {
  it('is the report of this stack and these measurements (run `npm run capacity` after changing either)', () => {
    const dev = capacityOf(synth({ measured }), ENVIRONMENTS.dev.peak, measured);
    const expected = capacityMarkdown({ prod, dev, measured, prodSynth });
    const actual = readFileSync(join(REPO_ROOT, CAPACITY_DOC), 'utf8');
    // Everything but the line naming when and where the report was written.
    const body = (doc: string) => doc.split('\n').filter((line) => !line.startsWith('Written by `npm run capacity`'));
    expect(body(actual)).toEqual(body(expected));
  }, 240_000);
});
