import { createHmac, hkdfSync } from 'node:crypto';
import { hashIdentity, hashSource } from '../auth/identity-hash';
import { getSecret } from '../config/secrets';
import { contactKey, parseContact, type Contact } from '../domain/contact-point';
import { checkIdNumber, type IdType } from '../domain/identity';
import { codeMessage } from '../domain/messages';
import {
  CODE_SEND_LIMITS,
  CODE_TTL_SECONDS,
  codeDigest,
  codeRecipient,
  digestsEqual,
  generateRecoveryCode,
  generateVerificationCode,
  normalizeCode,
  RECOVERY_CODE_TTL_SECONDS,
  type CodePurpose,
  type ContactsOfIdentity,
} from '../domain/one-time-code';
import { sourceUnit } from '../domain/lockout';
import type { WindowedLimit } from '../domain/windowed-limit';
import { problem } from '../http/problem';
import { sendMessage } from '../messaging/send';
import { logger } from '../observability';
import { getContactOnRecord } from '../repository/contacts';
import { getVerifiedContact } from '../repository/holder-contacts';
import { findHolderByIdentity } from '../repository/holders';
import { putCode, reserveCodeTry, type CodeScope, type StoredCode } from '../repository/one-time-codes';
import { countInWindow } from '../repository/windowed-counters';

/**
 * Sending and checking one-time codes (shared/domain/one-time-code.ts has the rules). The answer to a send request
 * is the same whatever the identity is — registered, unregistered, unknown, with or without a contact on record —
 * and so is the work done: every limit is counted, and a request that has nowhere to send still stores a code.
 */
/**
 * The code digests' key, derived from the ID-hash key. Derived from the secret read now (getSecret caches it), not
 * kept on its own: a process that serves two stacks (the tests' local stacks) must not digest with the first one's.
 */
async function digestKey(): Promise<string> {
  const secret = await getSecret('idHashKey');
  return Buffer.from(hkdfSync('sha256', secret, 'ecert', 'one-time-code', 32)).toString('hex');
}

const tooManyCodes = (retryAfterSeconds: number) =>
  problem('TOO_MANY_ATTEMPTS', '获取验证码过于频繁，请稍后再试', { retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) });

export interface CodeRequest {
  purpose: CodePurpose;
  idType: IdType;
  idHash: string;
  /** Only for an identity without a contact on record (REGISTER), or the new contact (CHANGE_CONTACT). */
  contact?: Contact;
  sourceIp: string;
  now: Date;
}

async function contactDigest(contact: Contact): Promise<string> {
  return createHmac('sha256', await digestKey()).update(`contact:${contactKey(contact)}`).digest('base64url');
}

/** Counts one send against every limit that applies; the first exhausted one answers 429 (the same for everyone). */
async function countSend(request: CodeRequest, recipients: readonly Contact[]): Promise<void> {
  const identity = `${request.idType}#${request.idHash}`;
  const counters: Array<[string, string, WindowedLimit]> = [
    ['code-identity', identity, CODE_SEND_LIMITS.perIdentity],
    ['code-source', await hashSource(sourceUnit(request.sourceIp)), CODE_SEND_LIMITS.perSource],
  ];
  // The typed contact is limited whether or not the code goes to it, so the answer does not tell which it was.
  const contacts = [...recipients, ...(request.contact ? [request.contact] : [])];
  for (const contact of new Map(contacts.map((c) => [contactKey(c), c])).values()) {
    counters.push(['code-contact', await contactDigest(contact), CODE_SEND_LIMITS.perContact]);
  }
  for (const [name, subject, limit] of counters) {
    const decision = await countInWindow({ name, subject }, limit, request.now);
    if (!decision.allowed) throw tooManyCodes(decision.retryAfterSeconds);
  }
}

/**
 * POST /v1/verification-codes. `known` are the identity's contacts (on record; the account's verified one). Always
 * answers `{expiresAt}` unless a limit is hit; the code is stored and sent only where the rules say.
 */
export async function requestCode(request: CodeRequest, known: ContactsOfIdentity): Promise<{ expiresAt: string }> {
  const delivery = codeRecipient(request.purpose, known, request.contact);
  await countSend(request, delivery?.contacts ?? []);
  const expiresAt = new Date(request.now.getTime() + CODE_TTL_SECONDS * 1000);
  const code = generateVerificationCode();
  const scope: CodeScope = { purpose: request.purpose, idType: request.idType, idHash: request.idHash };
  const digest = codeDigest(await digestKey(), scope, code);
  // Nowhere to send: a code is stored all the same (same writes, same answer), one that no one ever receives.
  await putCode({
    scope,
    kind: 'VERIFICATION',
    digest,
    expiresAt,
    now: request.now,
    ...(delivery ? { sentTo: { destination: delivery.destination, contact: delivery.contacts[0]! } } : {}),
  });
  for (const contact of delivery?.contacts ?? []) {
    // A provider refusal is logged without the destination; the answer stays the same.
    await sendMessage(contact, codeMessage(request.purpose, code)).catch((error: Error) =>
      logger.warn('code not sent', { channel: contact.channel, errorName: error.name, causeName: (error as { causeName?: string }).causeName }),
    );
  }
  logger.info('code requested', { purpose: request.purpose, delivered: delivery ? delivery.destination : 'NOWHERE' });
  return { expiresAt: expiresAt.toISOString() };
}

/** The helpdesk's code (CLI `holder recovery-code`): 24 hours, any purpose, handed over after an identity check. */
export async function issueRecoveryCode(idType: IdType, idHash: string, now: Date): Promise<{ code: string; expiresAt: Date }> {
  const code = generateRecoveryCode();
  const scope: CodeScope = { purpose: 'RECOVERY', idType, idHash };
  const expiresAt = new Date(now.getTime() + RECOVERY_CODE_TTL_SECONDS * 1000);
  await putCode({ scope, kind: 'RECOVERY', digest: codeDigest(await digestKey(), scope, code), expiresAt, now });
  return { code, expiresAt };
}

export const codeInvalid = () => problem('CODE_INVALID', '验证码不正确、已过期或已使用，请重新获取');

/**
 * Checks a typed code for a purpose: a 6-digit code of that purpose, or a recovery code. The try is counted before
 * the comparison; the code is returned for the caller to use up in the same write as the change it allows.
 */
export async function checkCode(purpose: CodePurpose, idType: IdType, idHash: string, typed: string, now: Date): Promise<StoredCode> {
  const parsed = normalizeCode(typed);
  if (!parsed) throw codeInvalid();
  const scope: CodeScope = { purpose: parsed.kind === 'RECOVERY' ? 'RECOVERY' : purpose, idType, idHash };
  const stored = await reserveCodeTry(scope, now);
  const expected = codeDigest(await digestKey(), scope, parsed.code);
  if (!stored || !digestsEqual(stored.digest, expected)) throw codeInvalid();
  return stored;
}

/**
 * The contacts on record of an identity (API.md: the mobile/e-mail imported with its certificate records, newest
 * issue date first; shared/repository/contacts.ts), in canonical form. A value the import stored that no longer
 * parses is skipped rather than sent to.
 */
export async function contactsOnRecord(idType: IdType, idHash: string): Promise<Contact[]> {
  const onRecord = await getContactOnRecord(idType, idHash);
  if (!onRecord) return [];
  return [onRecord.mobile, onRecord.email].flatMap((raw) => {
    const parsed = raw ? parseContact(raw) : undefined;
    return parsed?.ok ? [parsed.contact] : [];
  });
}

/** POST /v1/verification-codes, from the request as typed: the identity's contacts are looked up here. */
export async function requestCodeForIdentity(
  body: { purpose: CodePurpose; idType: IdType; idNumber: string; contact?: Contact },
  source: { sourceIp: string; now: Date },
): Promise<{ expiresAt: string }> {
  const id = checkIdNumber(body.idType, body.idNumber, source.now);
  // A malformed number is an identity that has no account and no record: the same path, the same answer.
  const idHash = await hashIdentity(body.idType, id.ok ? id.idNumber : body.idNumber.trim().toUpperCase());
  const holder = id.ok ? await findHolderByIdentity(body.idType, idHash) : undefined;
  const [onRecord, account] = await Promise.all([
    contactsOnRecord(body.idType, idHash),
    holder ? getVerifiedContact(holder.holderId) : Promise.resolve(undefined),
  ]);
  return requestCode(
    { purpose: body.purpose, idType: body.idType, idHash, ...(body.contact ? { contact: body.contact } : {}), ...source },
    { onRecord, ...(account ? { account } : {}) },
  );
}
