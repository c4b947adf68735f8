import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { sameContact, type Contact } from './contact-point';
import type { IdType } from './identity';
import type { WindowedLimit } from './windowed-limit';

/**
 * One-time codes (issue 11 §2, API.md "Accounts v2"): 6 digits, valid 10 minutes, single use, 5 tries, stored only as
 * a keyed hash bound to its purpose and identity. Operator recovery codes (helpdesk, §6) are longer, valid 24 hours,
 * and serve any purpose. Who receives a code and what a code proves are decided here; storage and sending are not.
 */
export const CODE_PURPOSES = ['REGISTER', 'RESET_PASSWORD', 'CHANGE_CONTACT'] as const;
export type CodePurpose = (typeof CODE_PURPOSES)[number];

export const CODE_DIGITS = 6;
export const CODE_TTL_SECONDS = 10 * 60;
export const CODE_MAX_TRIES = 5;
export const RECOVERY_CODE_TTL_SECONDS = 24 * 3600;

/**
 * Sending limits. Per identity (whoever asks), per source address, per destination contact (no one can flood a phone
 * through many identities). All counted whether or not the identity exists, so hitting a limit tells nothing about it.
 */
export const CODE_SEND_LIMITS = {
  perIdentity: { limit: 5, windowSeconds: 3600 },
  perSource: { limit: 20, windowSeconds: 3600 },
  perContact: { limit: 5, windowSeconds: 3600 },
} as const satisfies Record<string, WindowedLimit>;

/** Crockford base32 without I, L, O, U: nothing to misread when a helpdesk reads a code out. */
const RECOVERY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RECOVERY_LENGTH = 12;
/** `R` and 12 characters (60 bits); printed in groups of four: R-7K3M-Q9PA-2XWD. */
export const RECOVERY_CODE_PATTERN = new RegExp(`^R[${RECOVERY_ALPHABET}]{${RECOVERY_LENGTH}}$`);
export const VERIFICATION_CODE_PATTERN = new RegExp(`^\\d{${CODE_DIGITS}}$`);

export type CodeKind = 'VERIFICATION' | 'RECOVERY';

/** Codes as typed: spaces and hyphens dropped, letters upper-cased, full-width digits folded. */
export function normalizeCode(raw: string): { kind: CodeKind; code: string } | undefined {
  const code = raw.normalize('NFKC').replace(/[\s-]/g, '').toUpperCase();
  if (VERIFICATION_CODE_PATTERN.test(code)) return { kind: 'VERIFICATION', code };
  if (RECOVERY_CODE_PATTERN.test(code)) return { kind: 'RECOVERY', code };
  return undefined;
}

export const generateVerificationCode = (random: (max: number) => number = randomInt): string =>
  String(random(10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');

export function generateRecoveryCode(random: (max: number) => number = randomInt): string {
  let body = '';
  for (let i = 0; i < RECOVERY_LENGTH; i++) body += RECOVERY_ALPHABET[random(RECOVERY_ALPHABET.length)];
  return `R${body}`;
}

/** R-7K3M-Q9PA-2XWD: how the CLI prints a recovery code. */
export const formatRecoveryCode = (code: string): string => `R-${code.slice(1).match(/.{1,4}/g)!.join('-')}`;

/**
 * The stored form of a code: HMAC-SHA256 under a server key, over the purpose, the identity and the code. A 6-digit
 * code has only a million values, so a plain hash in a leaked table would be reversed at once; the key and the binding
 * make a stored value useless for any other identity or purpose.
 */
export function codeDigest(
  key: string,
  scope: { purpose: CodePurpose | 'RECOVERY'; idType: IdType; idHash: string },
  code: string,
): string {
  return createHmac('sha256', key).update(`${scope.purpose}\u0000${scope.idType}\u0000${scope.idHash}\u0000${code}`).digest('hex');
}

export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** Where a code went, recorded with it: what it can prove depends on that. */
export type CodeDestination = 'RECORD' | 'ACCOUNT' | 'GIVEN';

/** A stored code as the rules need it (never the code itself). */
export interface CodeRecord {
  kind: CodeKind;
  purpose: CodePurpose | 'RECOVERY';
  digest: string;
  expiresAt: number;
  tries: number;
  /** Absent for recovery codes: they were handed over in person, not sent. */
  sentTo?: { destination: CodeDestination; contact: Contact };
}

export type CodeAttempt = { ok: true } | { ok: false; reason: 'EXPIRED' | 'EXHAUSTED' };

/** Whether a stored code may still be tried at `nowMs` (before the try is counted). */
export function codeAttemptAllowed(record: Pick<CodeRecord, 'expiresAt' | 'tries'>, nowMs: number): CodeAttempt {
  if (nowMs >= record.expiresAt) return { ok: false, reason: 'EXPIRED' };
  if (record.tries >= CODE_MAX_TRIES) return { ok: false, reason: 'EXHAUSTED' };
  return { ok: true };
}

export interface ContactsOfIdentity {
  /** The mobile and/or e-mail imported with the identity's newest certificate records (mobile first). */
  onRecord?: readonly Contact[];
  /** The contact the identity's account proved control of. */
  account?: Contact;
}

export interface CodeDelivery {
  destination: CodeDestination;
  /** Every contact the one code is sent to (the contact on record may be a mobile and an e-mail address). */
  contacts: Contact[];
}

/**
 * Who receives a code. An identity with a contact on record gets REGISTER codes only there, whatever was typed: that is
 * what lets a real holder take an identity back from someone who registered with another contact. Password resets go
 * to the account's verified contact (else the contact on record); a contact change goes to the new contact. Undefined:
 * nowhere to send — the caller answers exactly as if it had sent.
 */
export function codeRecipient(purpose: CodePurpose, known: ContactsOfIdentity, given: Contact | undefined): CodeDelivery | undefined {
  const onRecord = known.onRecord?.length ? { destination: 'RECORD' as const, contacts: [...known.onRecord] } : undefined;
  switch (purpose) {
    case 'REGISTER':
      return onRecord ?? (given ? { destination: 'GIVEN', contacts: [given] } : undefined);
    case 'RESET_PASSWORD':
      return known.account ? { destination: 'ACCOUNT', contacts: [known.account] } : onRecord;
    case 'CHANGE_CONTACT':
      return given ? { destination: 'GIVEN', contacts: [given] } : undefined;
  }
}

export type RegistrationOutcome =
  | { kind: 'CREATE' }
  | { kind: 'REPLACE'; because: 'RECORD' | 'ACCOUNT' | 'RECOVERY' }
  | { kind: 'ALREADY_REGISTERED' };

/**
 * What a valid REGISTER code (or recovery code) allows (issue 11 §3). No account: create one. An account: replace it —
 * name, password, contact, every session — when the code reached the contact on record or the account's own verified
 * contact, or was handed over by the helpdesk. Otherwise the code proves only a contact unrelated to the identity.
 */
export function registrationOutcome(
  code: Pick<CodeRecord, 'kind' | 'sentTo'>,
  hasAccount: boolean,
  accountContact: Contact | undefined,
): RegistrationOutcome {
  if (!hasAccount) return { kind: 'CREATE' };
  if (code.kind === 'RECOVERY') return { kind: 'REPLACE', because: 'RECOVERY' };
  if (code.sentTo?.destination === 'RECORD') return { kind: 'REPLACE', because: 'RECORD' };
  if (sameContact(code.sentTo?.contact, accountContact)) return { kind: 'REPLACE', because: 'ACCOUNT' };
  return { kind: 'ALREADY_REGISTERED' };
}
