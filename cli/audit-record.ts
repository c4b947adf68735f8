import type { AUDIT_ACTIONS } from '../shared/domain/audit';
import { describeError } from '../shared/import/importer';
import { recordOperatorAction } from '../shared/services/operator-audit';
import { useLocalTarget, type TargetSpec } from '../shared/target/resolve';
import type { Io } from './common';

/**
 * Records a signing-key change (issue 13 §3): the fingerprint and subject of the new certificate, never key material.
 * `signing-key` works on the local key file even when the local stack is stopped; the trail lives in the stack's
 * table, so then the change cannot be recorded, and the operator is told so.
 */
export async function recordSigningKeyChange(
  spec: TargetSpec,
  action: (typeof AUDIT_ACTIONS)['signingKeyInit' | 'signingKeyInstall'],
  summary: { fingerprint: string; subject: string; selfSigned: boolean },
  io: Io,
): Promise<void> {
  try {
    if (spec.kind === 'local') await useLocalTarget(spec.dataDir);
    await recordOperatorAction({
      action,
      subject: { system: 'signing-key' },
      details: { fingerprint: summary.fingerprint, subject: summary.subject, selfSigned: summary.selfSigned },
    });
  } catch (error) {
    io.err(`note: the change is not in the audit trail (${describeError(error)})`);
  }
}
