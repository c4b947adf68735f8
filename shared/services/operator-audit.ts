import { hostname, userInfo } from 'node:os';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { sts } from '../aws/clients';
import { ENV, optionalEnv } from '../config/env';
import { changeStamp, type AuditActor, type AuditDetail, type AuditEvent, type AuditSource, type AuditSubject, type ChangeStamp } from '../domain/audit';
import { appendAuditEvent } from '../repository/audit';

/**
 * Who an operator is and where they act from, for the audit trail: the IAM principal of the caller's credentials in
 * the cloud (STS GetCallerIdentity: an assumed-role session names the person behind it), the OS user against the
 * local stack. Resolved once per process, after the CLI has chosen its target.
 */
let actor: Promise<AuditActor> | undefined;

export function operatorActor(): Promise<AuditActor> {
  actor ??= resolveActor();
  actor.catch(() => (actor = undefined));
  return actor;
}

async function resolveActor(): Promise<AuditActor> {
  if (optionalEnv(ENV.localSecretsDir)) return { kind: 'operator', id: `local:${userInfo().username}` };
  const out = await sts().send(new GetCallerIdentityCommand({}));
  if (!out.Arn) throw new Error('STS GetCallerIdentity returned no ARN');
  return { kind: 'operator', id: out.Arn };
}

/** The operator's machine and tool; `via` adds what carried the action out (e.g. a Step Functions execution). */
export function operatorSource(via = 'ecert-cli'): AuditSource {
  return { host: hostname(), via };
}

/** Tests switch targets within one process. */
export function forgetOperator(): void {
  actor = undefined;
}

/** The stamp an operator's write carries (import, revoke, attach-file): the stream turns it into the audit event. */
export async function operatorStamp(action: string, extra: Pick<ChangeStamp, 'reason' | 'runId' | 'line'> = {}, via?: string): Promise<ChangeStamp> {
  return changeStamp({ action, actor: await operatorActor(), source: operatorSource(via), ...extra });
}

export interface OperatorAction {
  action: string;
  subject: AuditSubject;
  reason?: string;
  runId?: string;
  details?: Record<string, AuditDetail>;
}

/**
 * The one call for an operator action that changes no table item (a signing-key change, the start or end of a run):
 * appends it to the trail with the operator's identity and machine. Never pass a secret or an ID number in `details`.
 */
export async function recordOperatorAction(input: OperatorAction): Promise<AuditEvent> {
  return appendAuditEvent({ ...input, actor: await operatorActor(), source: operatorSource() });
}
