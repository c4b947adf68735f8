import { describe, expect, it } from 'vitest';
import type { Contact } from '../../shared/domain/contact-point';
import {
  CODE_MAX_TRIES,
  codeAttemptAllowed,
  codeDigest,
  codeRecipient,
  digestsEqual,
  formatRecoveryCode,
  generateRecoveryCode,
  generateVerificationCode,
  normalizeCode,
  RECOVERY_CODE_PATTERN,
  registrationOutcome,
} from '../../shared/domain/one-time-code';

const RECORD: Contact = { channel: 'SMS', address: '+8613800000001' };
const RECORD_EMAIL: Contact = { channel: 'EMAIL', address: 'record@example.com' };
const ACCOUNT: Contact = { channel: 'EMAIL', address: 'holder@example.com' };
const TYPED: Contact = { channel: 'SMS', address: '+8613900000002' };
const SCOPE = { purpose: 'REGISTER', idType: 'RESIDENT_ID', idHash: 'abc' } as const;

describe('codes', () => {
  it('are 6 digits, zero-padded', () => {
    expect(generateVerificationCode(() => 42)).toBe('000042');
    expect(generateVerificationCode()).toMatch(/^\d{6}$/);
  });

  it('recovery codes are R and 12 unambiguous characters, printed in groups of four, read back however typed', () => {
    // Act
    const code = generateRecoveryCode();
    const printed = formatRecoveryCode(code);

    // Assess
    expect(code).toMatch(RECOVERY_CODE_PATTERN);
    expect(code).not.toMatch(/[ILOU]/);
    expect(printed).toMatch(/^R-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(normalizeCode(printed.toLowerCase())).toEqual({ kind: 'RECOVERY', code });
    expect(normalizeCode(' 123 456 ')).toEqual({ kind: 'VERIFICATION', code: '123456' });
    expect(normalizeCode('12345')).toBeUndefined();
    expect(normalizeCode('RILOU00000000')).toBeUndefined();
  });

  it('are stored as a keyed hash bound to purpose and identity', () => {
    // Act
    const stored = codeDigest('key', SCOPE, '123456');

    // Assess
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain('123456');
    expect(digestsEqual(stored, codeDigest('key', SCOPE, '123456'))).toBe(true);
    expect(digestsEqual(stored, codeDigest('key', SCOPE, '123457'))).toBe(false);
    expect(digestsEqual(stored, codeDigest('other key', SCOPE, '123456'))).toBe(false);
    expect(digestsEqual(stored, codeDigest('key', { ...SCOPE, purpose: 'RESET_PASSWORD' }, '123456'))).toBe(false);
    expect(digestsEqual(stored, codeDigest('key', { ...SCOPE, idHash: 'abd' }, '123456'))).toBe(false);
    expect(digestsEqual(stored, '')).toBe(false);
  });

  it('may be tried 5 times within 10 minutes', () => {
    const now = 1_000_000;
    expect(codeAttemptAllowed({ expiresAt: now + 1, tries: CODE_MAX_TRIES - 1 }, now)).toEqual({ ok: true });
    expect(codeAttemptAllowed({ expiresAt: now + 1, tries: CODE_MAX_TRIES }, now)).toEqual({ ok: false, reason: 'EXHAUSTED' });
    expect(codeAttemptAllowed({ expiresAt: now, tries: 0 }, now)).toEqual({ ok: false, reason: 'EXPIRED' });
  });
});

describe('codeRecipient', () => {
  it('sends REGISTER codes only to the contact on record when there is one, whatever was typed', () => {
    expect(codeRecipient('REGISTER', { onRecord: [RECORD, RECORD_EMAIL], account: ACCOUNT }, TYPED)).toEqual({
      destination: 'RECORD',
      contacts: [RECORD, RECORD_EMAIL],
    });
    expect(codeRecipient('REGISTER', { onRecord: [], account: ACCOUNT }, TYPED)).toEqual({ destination: 'GIVEN', contacts: [TYPED] });
    expect(codeRecipient('REGISTER', {}, undefined)).toBeUndefined();
  });

  it('sends RESET_PASSWORD codes to the account\'s verified contact, else the contact on record, never to a typed one', () => {
    expect(codeRecipient('RESET_PASSWORD', { onRecord: [RECORD], account: ACCOUNT }, TYPED)).toEqual({ destination: 'ACCOUNT', contacts: [ACCOUNT] });
    expect(codeRecipient('RESET_PASSWORD', { onRecord: [RECORD] }, TYPED)).toEqual({ destination: 'RECORD', contacts: [RECORD] });
    expect(codeRecipient('RESET_PASSWORD', {}, TYPED)).toBeUndefined();
  });

  it('sends CHANGE_CONTACT codes to the new contact', () => {
    expect(codeRecipient('CHANGE_CONTACT', { onRecord: [RECORD], account: ACCOUNT }, TYPED)).toEqual({ destination: 'GIVEN', contacts: [TYPED] });
    expect(codeRecipient('CHANGE_CONTACT', { account: ACCOUNT }, undefined)).toBeUndefined();
  });
});

describe('registrationOutcome', () => {
  const verification = (destination: 'RECORD' | 'ACCOUNT' | 'GIVEN', contact: Contact) =>
    ({ kind: 'VERIFICATION', sentTo: { destination, contact } }) as const;

  it('creates an account for an identity that has none', () => {
    expect(registrationOutcome(verification('GIVEN', TYPED), false, undefined)).toEqual({ kind: 'CREATE' });
  });

  it('replaces a squatter when the code reached the contact on record', () => {
    expect(registrationOutcome(verification('RECORD', RECORD), true, TYPED)).toEqual({ kind: 'REPLACE', because: 'RECORD' });
  });

  it('lets a holder correct their own account when the code reached its verified contact', () => {
    expect(registrationOutcome(verification('GIVEN', ACCOUNT), true, ACCOUNT)).toEqual({ kind: 'REPLACE', because: 'ACCOUNT' });
  });

  it('replaces with a helpdesk recovery code', () => {
    expect(registrationOutcome({ kind: 'RECOVERY' }, true, ACCOUNT)).toEqual({ kind: 'REPLACE', because: 'RECOVERY' });
  });

  it('refuses a code that proves only some other contact', () => {
    expect(registrationOutcome(verification('GIVEN', TYPED), true, ACCOUNT)).toEqual({ kind: 'ALREADY_REGISTERED' });
    expect(registrationOutcome(verification('GIVEN', TYPED), true, undefined)).toEqual({ kind: 'ALREADY_REGISTERED' });
  });
});
