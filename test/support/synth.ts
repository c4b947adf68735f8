import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { PolicyViolation } from 'aws-cdk-lib';
import { APP_CONTEXT, ENVIRONMENTS, type EnvironmentConfig } from '../../infra/config';
import { REPO_ROOT } from '../../shared/repo-root';
import { EcertStack, type EcertStackProps } from '../../infra/stack';

/** Resources of one CloudFormation type in a template, by logical id. */
export type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; [key: string]: unknown }>;

export interface Synthesized {
  app: App;
  stack: EcertStack;
  template: Template;
  json: { Resources: Resources; Outputs?: Record<string, unknown> };
}

/**
 * A deployable prod configuration for synthesis: prod disables the execute-api endpoint, so it needs the API's custom
 * origin domain, and it creates the distribution's web ACL in us-east-1, so it needs a concrete account and Region.
 * The names here are examples (nothing is deployed); `npm run capacity` synthesizes with them too.
 */
export const PROD_EXAMPLE = {
  config: {
    ...ENVIRONMENTS.prod,
    apiOrigin: {
      domainName: 'api-origin.ecert.example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-4000-8000-000000000000',
    },
  } satisfies EnvironmentConfig,
  env: { account: '123456789012', region: 'eu-west-1' },
} as const;

/**
 * Builds the stack with bundling disabled (`aws:cdk:bundling-stacks: []`), so no esbuild runs and a synth takes about
 * a second. `overrides` replace parts of the dev configuration; `functions`/`routes` replace the shared declarations.
 */
export function synth(
  options: { config?: Partial<EnvironmentConfig> } & Omit<EcertStackProps, 'config'> = {},
): Synthesized {
  const { config: overrides, ...props } = options;
  const app = new App({ context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const config: EnvironmentConfig = { ...ENVIRONMENTS.dev, ...overrides };
  const stack = new EcertStack(app, config.stackName, { config, ...props });
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as Synthesized['json'] };
}

/** The prod stack (PROD_EXAMPLE), with `overrides` on its configuration. */
export function synthProd(
  options: { config?: Partial<EnvironmentConfig> } & Omit<EcertStackProps, 'config'> = {},
): Synthesized {
  const { config, ...props } = options;
  return synth({ env: PROD_EXAMPLE.env, ...props, config: { ...PROD_EXAMPLE.config, ...config } });
}

export const ofType = (json: Synthesized['json'], type: string): Resources =>
  Object.fromEntries(Object.entries(json.Resources).filter(([, resource]) => resource.Type === type));

/** The logical id a construct's CloudFormation resource got. */
export const logicalId = (construct: { node: { defaultChild?: unknown } }): string => {
  const child = construct.node.defaultChild as Parameters<Stack['getLogicalId']>[0];
  return Stack.of(child).getLogicalId(child);
};

export interface NagResult {
  /** Unacknowledged findings (errors and warnings). */
  violations: PolicyViolation[];
  /** Acknowledgements that suppressed at least one finding, as `<construct path> <rule id>`. */
  usedAcknowledgements: Set<string>;
}

/**
 * Runs the cdk-nag AwsSolutions pack on an already synthesized app. It also records which acknowledgements actually
 * suppressed a finding, by wrapping the pack's (private) `isAcknowledged` lookup: an acknowledgement that suppresses
 * nothing is stale and misleads readers of docs/infrastructure.md.
 */
export function runNag(app: App): NagResult {
  const pack = new AwsSolutionsChecks(undefined, { verbose: true });
  const lookup = pack as unknown as { isAcknowledged?: (node: IConstruct, ruleId: string) => boolean };
  const original = lookup.isAcknowledged?.bind(pack);
  if (!original) throw new Error('cdk-nag changed: NagPack.isAcknowledged is gone; update runNag()');
  const usedAcknowledgements = new Set<string>();
  lookup.isAcknowledged = (node, ruleId) => {
    const acknowledged = original(node, ruleId);
    if (acknowledged) {
      for (let current: IConstruct | undefined = node; current; current = current.node.scope) {
        if (acknowledgementsOn(current).some(([id]) => id === ruleId)) {
          usedAcknowledgements.add(`${current.node.path} ${ruleId}`);
          break;
        }
      }
    }
    return acknowledged;
  };
  return { violations: pack.validateScope(app).violations, usedAcknowledgements };
}

export const nagFindings = (app: App): PolicyViolation[] => runNag(app).violations;

export const describeFindings = (violations: PolicyViolation[]) =>
  violations.map((v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

/** [rule id, reason] pairs acknowledged directly on one construct. */
function acknowledgementsOn(construct: IConstruct): [string, string][] {
  return construct.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
    .map(([key, reason]): [string, string] => [key.replace(/^annotation::/i, ''), reason]);
}

/** Every acknowledgement recorded in the app: rule id → reasons. */
export function acknowledgements(app: App): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const construct of app.node.findAll()) {
    for (const [id, reason] of acknowledgementsOn(construct)) found.set(id, [...(found.get(id) ?? []), reason]);
  }
  return found;
}

/** Acknowledgements (`<construct path> <rule id>`) that suppress no finding. */
export function staleAcknowledgements(app: App, nag: NagResult = runNag(app)): string[] {
  return app.node
    .findAll()
    .flatMap((construct) => acknowledgementsOn(construct).map(([id]) => `${construct.node.path} ${id}`))
    .filter((ack) => !nag.usedAcknowledgements.has(ack));
}

/** Acknowledged rule ids missing from docs/infrastructure.md, and acknowledgements with a too-short reason. */
export function undocumentedAcknowledgements(app: App): string[] {
  const doc = readFileSync(join(REPO_ROOT, 'docs/infrastructure.md'), 'utf8');
  const problems: string[] = [];
  for (const [id, reasons] of acknowledgements(app)) {
    const rule = id.replace(/\[.*$/, '');
    if (!doc.includes(rule)) problems.push(`${rule} is not described in docs/infrastructure.md`);
    for (const reason of reasons) if (reason.trim().length < 40) problems.push(`${id}: reason too short`);
  }
  return problems;
}

/** All IAM actions granted to a role, from every AWS::IAM::Policy attached to it. */
export function actionsOfRole(json: Synthesized['json'], roleLogicalId: string): string[] {
  const actions: string[] = [];
  for (const policy of Object.values(ofType(json, 'AWS::IAM::Policy'))) {
    const roles = policy.Properties.Roles as { Ref: string }[];
    if (!roles.some((role) => role.Ref === roleLogicalId)) continue;
    const document = policy.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] };
    for (const statement of document.Statement) actions.push(...[statement.Action].flat());
  }
  return actions;
}

/** Statements of every policy attached to a role. */
export function statementsOfRole(
  json: Synthesized['json'],
  roleLogicalId: string,
): { Action: string | string[]; Resource: unknown; Effect: string }[] {
  return Object.values(ofType(json, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleLogicalId))
    .flatMap(
      (policy) =>
        (policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown; Effect: string }[] })
          .Statement,
    );
}
