import { parseArgs } from 'node:util';
import { getSecret } from '../shared/config/secrets';
import { formatEvent, type AuditEvent } from '../shared/domain/audit';
import { idHash } from '../shared/domain/id-hash';
import { checkIdNumber, isIdType, ID_TYPES } from '../shared/domain/identity';
import { identitySubject, listAuditEvents } from '../shared/repository/audit';
import { listCertificatesByIdentity } from '../shared/repository/certificates';
import { getHolder } from '../shared/repository/holders';
import { useTarget } from '../shared/target/resolve';
import { certIdArgument, EXIT, TARGET_HELP, TARGET_OPTIONS, targetOf, UsageError, type Io } from './common';

export const AUDIT_HELP = `Usage: npm run ecert -- audit (--cert <certId> | --holder <holder> | --run <runId> | --system <part>) [options]

Shows the audit trail, oldest first: who (IAM principal, local OS user, or holder), when, what (the fields a change
touched — never their values), why, from where. Events appear a moment after the action: the table's stream carries
certificate and account changes into the trail.

Subjects:
  --cert <certId>        one certificate: imports that changed it, revocation, electronic files
  --holder <holder>      a holder: their account's events and those of every certificate of their identity.
                         <holder> is a holderId, or <ID_TYPE>:<ID number> (hashed here, never printed or stored)
  --run <runId>          an import run or bulk revocation (start, end, counts)
  --system <part>        e.g. signing-key

Options:
  --from <date|instant>  only events at or after (YYYY-MM-DD or ISO 8601, UTC)
  --to <date|instant>    only events up to
  --json                 one JSON object per line instead of text
${TARGET_HELP}

Exit codes: 0 shown (also when there are none); 2 usage error or unreachable target.`;

function instant(value: string | undefined, end: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return end ? `${value}T23:59:59.999Z` : `${value}T00:00:00.000Z`;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`'${value}' is not a date (YYYY-MM-DD) or an ISO 8601 instant`, 'audit');
  return new Date(ms).toISOString();
}

export async function auditCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...TARGET_OPTIONS,
      cert: { type: 'string' },
      holder: { type: 'string' },
      run: { type: 'string' },
      system: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (values.help) {
    io.out(AUDIT_HELP);
    return EXIT.ok;
  }
  const chosen = (['cert', 'holder', 'run', 'system'] as const).filter((k) => values[k] !== undefined);
  if (chosen.length !== 1) throw new UsageError('give exactly one of --cert, --holder, --run, --system', 'audit');
  const query = { from: instant(values.from, false), to: instant(values.to, true) };
  const holder = values.holder !== undefined ? parseHolder(values.holder) : undefined;
  const certId = values.cert !== undefined ? certIdArgument(values.cert, 'audit') : undefined;

  await useTarget(targetOf(values));
  let events: AuditEvent[];
  if (certId) events = await listAuditEvents({ certId }, query);
  else if (values.run) events = await listAuditEvents({ runId: values.run.trim() }, query);
  else if (values.system) events = await listAuditEvents({ system: values.system.trim() }, query);
  else events = await holderEvents(holder!, query);

  for (const event of events) io.out(values.json ? JSON.stringify(event) : formatEvent(event));
  io.err(`${events.length} event(s)`);
  return EXIT.ok;
}

type HolderRef = { holderId: string } | { idType: (typeof ID_TYPES)[number]; idNumber: string };

function parseHolder(value: string): HolderRef {
  const colon = value.indexOf(':');
  if (colon === -1) return { holderId: value.trim() };
  const idType = value.slice(0, colon).trim();
  if (!isIdType(idType)) throw new UsageError(`--holder: the ID type must be one of ${ID_TYPES.join(', ')}`, 'audit');
  const checked = checkIdNumber(idType, value.slice(colon + 1));
  // The reason never repeats the number.
  if (!checked.ok) throw new UsageError(`--holder: ${checked.reason}`, 'audit');
  return { idType, idNumber: checked.idNumber };
}

async function holderEvents(ref: HolderRef, query: { from?: string; to?: string }): Promise<AuditEvent[]> {
  let idType;
  let hash;
  if ('holderId' in ref) {
    const holder = await getHolder(ref.holderId);
    if (!holder) throw new UsageError(`no holder account ${ref.holderId}`, 'audit');
    idType = holder.idType;
    hash = holder.idHash;
  } else {
    idType = ref.idType;
    hash = idHash(await getSecret('idHashKey'), ref.idType, ref.idNumber);
  }
  const certificates = await listCertificatesByIdentity(idType, hash);
  const lists = await Promise.all([
    listAuditEvents({ identity: identitySubject(idType, hash) }, query),
    ...certificates.map((cert) => listAuditEvents({ certId: cert.certId }, query)),
  ]);
  return lists.flat().sort((a, b) => (a.at === b.at ? a.eventId.localeCompare(b.eventId) : a.at.localeCompare(b.at)));
}
