import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPerAnnotation } from '../../infra/measured';
import { REPO_ROOT } from '../../shared/repo-root';
import { costMarkdown, costModel, PRICE } from '../bench/cost-model';

/** The cost model is computed from the measured counts, not from numbers typed into it, and its document is current. */
describe('cost model (docs/cost-model.md)', () => {
  const model = costModel();
  const measured = readPerAnnotation();
  const line = (prefix: string) => model.lines.find((l) => l.item.startsWith(prefix))!;

  it('prices the API calls, write units and S3 PUTs the measurement counted for one annotation (holder + verifier)', () => {
    const flows = [measured.perFlow.holder, measured.perFlow.verifier];
    const calls = flows.reduce((s, f) => s + Object.values(f.apiCalls).reduce((a, v) => a + v.mean, 0), 0);
    expect(line('API Gateway HTTP API requests').quantity).toBeCloseTo(calls, 6);
    expect(line('API Gateway HTTP API requests').cost).toBeCloseTo(calls * PRICE.httpApiRequest * 1e6, 6);
    const wru = flows.reduce((s, f) => s + f.dynamodb.table.write + Object.values(f.dynamodb.indexes).reduce((a, u) => a + u.write, 0), 0);
    expect(line('DynamoDB write request units').quantity).toBeCloseTo(wru, 6);
    expect(line('S3 PUT').quantity).toBeCloseTo(flows.reduce((s, f) => s + (f.awsCalls['s3 PutObject'] ?? 0), 0), 6);
    expect(model.total).toBeCloseTo(model.lines.reduce((s, l) => s + l.cost, 0), 6);
  });

  it('states a floor no higher than the measured total', () => {
    expect(model.floorTotal).toBeGreaterThan(0);
    expect(model.floorTotal).toBeLessThanOrEqual(model.total);
  });

  it('is what docs/cost-model.md says (run `npm run cost-model` after re-measuring)', () => {
    expect(readFileSync(join(REPO_ROOT, 'docs/cost-model.md'), 'utf8')).toBe(costMarkdown(model));
  });
});
