import { App, Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { acknowledge } from '../../infra/nag';
import { ROUTES } from '../../shared/resources/routes';
import {
  acknowledgements,
  describeFindings,
  nagFindings,
  runNag,
  staleAcknowledgements,
  synth,
  synthProd,
  undocumentedAcknowledgements,
  type Synthesized,
} from '../support/synth';

describe('cdk-nag AwsSolutions', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  it('reports findings at all (the harness can fail)', () => {
    const app = new App();
    new Bucket(new Stack(app, 'Probe'), 'Insecure');
    app.synth();
    const rules = nagFindings(app).map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });

  it('leaves no unacknowledged error or warning on the stack', () => {
    expect(describeFindings(nagFindings(s.app))).toEqual([]);
  });

  it('has no stale acknowledgement: each one suppresses a finding', () => {
    expect(staleAcknowledgements(s.app)).toEqual([]);
  });

  it('detects a stale acknowledgement', () => {
    const probe = synth();
    acknowledge(probe.stack.storage.table, 'AwsSolutions-DDB3', 'Probe: the table has PITR, so this suppresses nothing.');
    expect(staleAcknowledgements(probe.app)).toEqual([`${probe.stack.storage.table.node.path} AwsSolutions-DDB3`]);
  });

  it('gives every acknowledgement a specific reason, documented in docs/infrastructure.md', () => {
    expect([...acknowledgements(s.app).keys()]).toEqual(
      expect.arrayContaining(['AwsSolutions-SMG4', 'AwsSolutions-APIG4']),
    );
    expect(undocumentedAcknowledgements(s.app)).toEqual([]);
  });

  it('acknowledges APIG4 on each route with the reason that fits its visibility', () => {
    const reasons = acknowledgements(s.app).get('AwsSolutions-APIG4') ?? [];
    expect(reasons).toHaveLength(ROUTES.length + 1);
    for (const route of ROUTES) {
      const reason = reasons.find((r) => r.startsWith(`${route.method} ${route.path} `));
      expect(reason, `${route.method} ${route.path}`).toMatch(route.public ? /public by contract/ : /verifies the bearer JWT/);
    }
  });

  it('refuses an acknowledgement without a real reason or with a malformed rule id', () => {
    const stack = new Stack(new App(), 'Probe');
    expect(() => acknowledge(stack, 'AwsSolutions-S1', 'not needed')).toThrow(/specific reason/);
    expect(() => acknowledge(stack, 'S1', 'x'.repeat(60))).toThrow(/not a cdk-nag/);
  });
});

describe('cdk-nag AwsSolutions on the prod stacks (the main stack and the us-east-1 web ACL stack)', () => {
  let prod: Synthesized;
  beforeAll(() => {
    prod = synthProd();
  }, 240_000);

  it('leaves no unacknowledged error or warning, has no stale acknowledgement, and documents every one', () => {
    expect(prod.stack.edge).toBeDefined();
    const nag = runNag(prod.app);
    expect(describeFindings(nag.violations)).toEqual([]);
    expect(staleAcknowledgements(prod.app, nag)).toEqual([]);
    expect(undocumentedAcknowledgements(prod.app)).toEqual([]);
  });
});

