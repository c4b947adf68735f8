import { parseArgs } from 'node:util';
import { formatRecoveryCode } from '../shared/domain/one-time-code';
import { checkIdNumber, ID_TYPES, isIdType, type IdType } from '../shared/domain/identity';
import { helpdeskRecoveryCode, helpdeskShow, helpdeskUnlock } from '../shared/services/helpdesk';
import { useTarget } from '../shared/target/resolve';
import { EXIT, TARGET_HELP, TARGET_OPTIONS, targetOf, UsageError, type Io } from './common';

export const HOLDER_HELP = `Usage: npm run ecert -- holder <action> <idType> <idNumber> [options]

The helpdesk path for holders who cannot use a code sent to a contact (docs/accounts.md). Check the person's identity
offline first. Every use is recorded in the audit trail (operator, machine, time, action, the identity's keyed hash;
'npm run ecert -- audit --holder <idType>:<idNumber>' shows it).

Actions:
  recovery-code   print a one-time recovery code, valid 24 hours, to hand over: it registers (or re-registers) the
                  identity, resets its password or confirms a new contact, once
  unlock          forget the identity's failed password attempts (every source), so no source is slowed or challenged
  show            the account of the identity, masked (name, ID number, contact), and recent failed attempts

idType is one of ${ID_TYPES.join(', ')}.
${TARGET_HELP}

Exit codes: 0 done; 2 usage error or unreachable target.`;

const ACTIONS = ['recovery-code', 'unlock', 'show'] as const;
type Action = (typeof ACTIONS)[number];

function identityArguments(positionals: string[]): { idType: IdType; idNumber: string } {
  const [rawType, rawNumber] = positionals;
  if (!rawType || !isIdType(rawType)) throw new UsageError(`an idType is required (${ID_TYPES.join(', ')})`, 'holder');
  if (!rawNumber) throw new UsageError('an ID number is required', 'holder');
  const check = checkIdNumber(rawType, rawNumber);
  // The reason never repeats the number (shared/domain/identity.ts), so it may be printed.
  if (!check.ok) throw new UsageError(check.reason, 'holder');
  return { idType: rawType, idNumber: check.idNumber };
}

export async function holderCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...TARGET_OPTIONS } });
  if (values.help || positionals.length === 0) {
    (values.help ? io.out : io.err)(HOLDER_HELP);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const [action, ...rest] = positionals;
  if (!(ACTIONS as readonly string[]).includes(action!)) throw new UsageError(`unknown action '${action}' (${ACTIONS.join(', ')})`, 'holder');
  if (rest.length > 2) throw new UsageError('holder takes an action, an idType and an ID number', 'holder');
  const { idType, idNumber } = identityArguments(rest);
  await useTarget(targetOf(values));

  switch (action as Action) {
    case 'recovery-code': {
      const issued = await helpdeskRecoveryCode(idType, idNumber);
      io.out(`recovery code: ${formatRecoveryCode(issued.code)}`);
      io.out(`valid until ${issued.expiresAt.toISOString()} (24 h), once; ${issued.hasAccount ? 'the identity has an account' : 'no account yet'}`);
      io.err('hand it over only after checking the person\'s identity; it is shown once and not stored in clear');
      return EXIT.ok;
    }
    case 'unlock': {
      const { sources } = await helpdeskUnlock(idType, idNumber);
      io.out(`failed attempts forgotten (${sources} source${sources === 1 ? '' : 's'}); no source is slowed or challenged now`);
      return EXIT.ok;
    }
    case 'show': {
      const summary = await helpdeskShow(idType, idNumber);
      if (!summary.hasAccount) io.out('no account for this identity');
      else {
        io.out(`holder    ${summary.holderId}`);
        io.out(`name      ${summary.nameMasked}`);
        io.out(`id        ${idType} ${summary.idNumberMasked}`);
        io.out(`contact   ${summary.contactMasked ?? '(none verified)'}`);
        io.out(`created   ${summary.createdAt}`);
        io.out(`notice    ${summary.noticeVersion ?? '(not accepted)'}`);
      }
      io.out(`failed attempts in the last hour: ${summary.recentFailures}`);
      return EXIT.ok;
    }
  }
}
