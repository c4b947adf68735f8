import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Runs the cdk-nag AWS Solutions pack on every stack of the app during synthesis. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

/**
 * Acknowledges one cdk-nag finding on a construct (and its children). `id` is a rule id, or a single finding of a
 * granular rule (`AwsSolutions-IAM5[Resource::…]`). Every acknowledgement needs a specific reason, and each one is
 * listed in docs/infrastructure.md (a test checks that).
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (!/^AwsSolutions-[A-Z]+[0-9]+(\[.+\])?$/.test(id)) throw new Error(`not a cdk-nag AwsSolutions rule id: ${id}`);
  if (reason.trim().length < 40) throw new Error(`acknowledgement of ${id} needs a specific reason`);
  Validations.of(scope).acknowledge({ id, reason });
}
