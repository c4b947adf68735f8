import { parseArgs } from 'node:util';
import { checkRevocationReason, REVOCATION_REASON_MAX, revokeCertificate } from '../shared/repository/certificates';
import { certIdArgument, EXIT, TARGET_HELP, TARGET_OPTIONS, targetOf, UsageError, type Io } from './common';
import { useTarget } from '../shared/target/resolve';

export const REVOKE_HELP = `Usage: npm run ecert -- revoke <certId> --reason <text> [options]

Revokes a certificate (R3): no new annotations, and every existing annotation stops working at once. Revoking is
final: re-importing the certificate does not undo it. Revoking an already revoked certificate changes nothing and
prints the first revocation.

Options:
  --reason <text>    why (1–${REVOCATION_REASON_MAX} characters, required); kept with the certificate
${TARGET_HELP}

Exit codes: 0 revoked (or already revoked); 1 no such certificate; 2 usage error or unreachable target.`;

export async function revokeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, reason: { type: 'string' } },
  });
  if (values.help) {
    io.out(REVOKE_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new UsageError('revoke takes one certificate id', 'revoke');
  const certId = certIdArgument(positionals[0], 'revoke');
  if (values.reason === undefined) throw new UsageError('--reason is required', 'revoke');
  const reason = checkRevocationReason(values.reason);
  if (!reason.ok) throw new UsageError(reason.problem, 'revoke');

  await useTarget(targetOf(values));
  const revocation = await revokeCertificate(certId, reason.reason);
  if (revocation.alreadyRevoked) {
    io.out(`${certId} was already revoked at ${revocation.revokedAt} (reason: ${revocation.reason}); nothing changed`);
  } else {
    io.out(`revoked ${certId} at ${revocation.revokedAt}`);
  }
  return EXIT.ok;
}
