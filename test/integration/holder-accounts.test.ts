import { randomInt, scryptSync } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashIdentity } from '../../shared/auth/identity-hash';
import { needsRehash } from '../../shared/auth/password';
import { ddb } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';
import { AUDIT_ACTIONS, changeStamp, STAMP_ATTRIBUTE } from '../../shared/domain/audit';
import type { Contact } from '../../shared/domain/contact-point';
import { getVerifiedContact } from '../../shared/repository/holder-contacts';
import { createHolder, findHolderByIdentity, getHolder } from '../../shared/repository/holders';
import { keys } from '../../shared/resources/table';
import { accountOf, changeContact, changeName, registerWithCode, resetPassword } from '../../shared/services/holder-accounts';
import { requestCode } from '../../shared/services/one-time-codes';
import { signIn } from '../../shared/services/sign-in';
import { PASSWORD, residentId } from '../support/factories';
import { codeSentTo } from '../support/holder-client';
import { startTestStack, type TestStack } from '../support/local-stack';
import { failure } from '../support/problems';

/**
 * The account use cases on the local stack (codes through the real messaging clients, read back from the outbox):
 * registration proves a contact; a code to the contact on record replaces a squatter; a code to the account's own
 * contact corrects a name; a forgotten password is reset; changes of name and contact; login upgrades old hashes.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ queueConsumers: false });
});
afterAll(async () => {
  await stack?.stop();
});

const source = (ip = '127.0.0.31') => ({ sourceIp: ip, now: new Date() });
// Code requests step a minute apart (one code per identity and purpose a minute); checks run at the real time.
let clock = Date.now();
const codeRequest = () => ({ sourceIp: '127.0.0.31', now: new Date((clock += 61_000)) });
const mobile = (): Contact => ({ channel: 'SMS', address: `+86134${randomInt(10_000_000, 99_999_999)}` });
const codeTo = (contact: Contact): Promise<string> => codeSentTo(stack, contact.address);

/** Registers an identity with a code sent to `contact` (no contact on record). */
async function registered(idNumber: string, name: string, contact: Contact, password = PASSWORD) {
  const idHash = await hashIdentity('RESIDENT_ID', idNumber);
  await requestCode({ purpose: 'REGISTER', idType: 'RESIDENT_ID', idHash, contact, ...codeRequest() }, {});
  return registerWithCode({ name, idType: 'RESIDENT_ID', idNumber, password, code: await codeTo(contact) }, source());
}

describe('registration with a code', () => {
  it('creates an account whose verified contact is the one the code reached', async () => {
    // Prepare
    const idNumber = residentId();
    const contact = mobile();

    // Act
    const result = await registered(idNumber, '钱𠮷', contact);
    const holder = await getHolder(result.holderId);

    // Assess
    expect(result.replaced).toBe(false);
    expect(holder?.name).toBe('钱𠮷');
    expect(await getVerifiedContact(result.holderId)).toEqual(contact);
    expect((await accountOf(holder!)).contactMasked).toMatch(/^\d{3}\*{4}\d{4}$/);
  });

  it('replaces a squatter when the code reached the contact on record, ending the squatter\'s sessions', async () => {
    // Prepare: someone registered the identity with their own phone; the contact on record is the holder's.
    const idNumber = residentId();
    const squatter = await registered(idNumber, '孙某', mobile(), 'Squatter-2026');
    const before = await getHolder(squatter.holderId);
    const record = mobile();
    const idHash = await hashIdentity('RESIDENT_ID', idNumber);
    await requestCode({ purpose: 'REGISTER', idType: 'RESIDENT_ID', idHash, contact: mobile(), ...codeRequest() }, { onRecord: [record] });

    // Act
    const result = await registerWithCode({ name: '孙真', idType: 'RESIDENT_ID', idNumber, password: PASSWORD, code: await codeTo(record) }, source());
    const after = await getHolder(result.holderId);

    // Assess
    expect(result).toEqual({ holderId: squatter.holderId, replaced: true });
    expect(after?.name).toBe('孙真');
    expect(after!.tokenVersion).toBe(before!.tokenVersion + 1);
    expect(await getVerifiedContact(result.holderId)).toEqual(record);
    await expect(signIn({ idType: 'RESIDENT_ID', idNumber, password: 'Squatter-2026' }, source())).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await signIn({ idType: 'RESIDENT_ID', idNumber, password: PASSWORD }, source())).holderName).toBe('孙真');
  });

  it('corrects a name when the code reached the account\'s own verified contact', async () => {
    // Prepare
    const idNumber = residentId();
    const contact = mobile();
    const first = await registered(idNumber, '李四四', contact);

    // Act
    const corrected = await registered(idNumber, '李思思', contact);

    // Assess
    expect(corrected).toEqual({ holderId: first.holderId, replaced: true });
    expect((await getHolder(first.holderId))?.name).toBe('李思思');
  });

  it('refuses, with 409 after a valid code, a code that proves only some other contact', async () => {
    // Prepare
    const idNumber = residentId();
    await registered(idNumber, '周五', mobile());

    // Act
    const refused = await failure(registered(idNumber, '周伍', mobile()));

    // Assess
    expect(refused.code).toBe('ALREADY_REGISTERED');
    expect(refused.extra).toMatchObject({ passwordResetPath: '/forgot-password' });
  });

  it('answers a wrong code with CODE_INVALID whether or not the identity has an account', async () => {
    // Prepare
    const withAccount = residentId();
    await registered(withAccount, '吴六', mobile());

    // Act
    const answers = await Promise.all(
      [withAccount, residentId()].map((idNumber) =>
        failure(registerWithCode({ name: '吴六', idType: 'RESIDENT_ID', idNumber, password: PASSWORD, code: '000000' }, source())),
      ),
    );

    // Assess
    expect(answers.map((a) => a.toBody())).toEqual([answers[0]!.toBody(), answers[0]!.toBody()]);
    expect(answers[0]!.code).toBe('CODE_INVALID');
  });
});

describe('password reset, name and contact', () => {
  it('resets a forgotten password with a code to the verified contact', async () => {
    // Prepare
    const idNumber = residentId();
    const contact = mobile();
    const { holderId } = await registered(idNumber, '郑七', contact);
    const idHash = await hashIdentity('RESIDENT_ID', idNumber);
    await requestCode({ purpose: 'RESET_PASSWORD', idType: 'RESIDENT_ID', idHash, ...source() }, { account: contact });

    // Act
    await resetPassword({ idType: 'RESIDENT_ID', idNumber, code: await codeTo(contact), newPassword: 'Reset-Pass-2027' }, source());

    // Assess
    expect((await getHolder(holderId))?.tokenVersion).toBe(1);
    await expect(signIn({ idType: 'RESIDENT_ID', idNumber, password: PASSWORD }, source())).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await signIn({ idType: 'RESIDENT_ID', idNumber, password: 'Reset-Pass-2027' }, source())).holderId).toBe(holderId);
  });

  it('changes the name with the current password and the contact with a code sent to the new one', async () => {
    // Prepare
    const idNumber = residentId();
    const { holderId } = await registered(idNumber, '王八', mobile());
    const holder = (await getHolder(holderId))!;
    const wrong = await failure(changeName(holder, { name: '王捌', password: 'Wrong-Pass-1' }, source('127.0.0.32')));
    await changeName(holder, { name: '王捌', password: PASSWORD }, source('127.0.0.32'));
    const next = mobile();
    await requestCode({ purpose: 'CHANGE_CONTACT', idType: 'RESIDENT_ID', idHash: holder.idHash, contact: next, ...source() }, {});
    const code = await codeTo(next);

    // Act
    const otherContact = await failure(changeContact(holder, { contact: mobile().address, code }, source()));
    await changeContact(holder, { contact: next.address.replace('+86', ''), code }, source());

    // Assess
    expect(wrong.code).toBe('INVALID_CREDENTIALS');
    expect(otherContact.code).toBe('CODE_INVALID');
    expect((await getHolder(holderId))?.name).toBe('王捌');
    expect(await getVerifiedContact(holderId)).toEqual(next);
  });
});

describe('signIn', () => {
  it('rewrites a hash made with the old parameters (N = 2^14) at the next successful login', async () => {
    // Prepare: an account as the service stored it before the parameters were raised.
    const idNumber = residentId();
    const idHash = await hashIdentity('RESIDENT_ID', idNumber);
    const salt = Buffer.alloc(16, 9);
    const old = ['scrypt', 16384, 8, 1, salt.toString('base64url'), scryptSync(PASSWORD, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')].join('$');
    const seeded = changeStamp({ action: AUDIT_ACTIONS.accountSeed, actor: { kind: 'system', id: 'test' }, source: { via: 'test' } });
    const holderId = `h-${randomInt(1e9)}`;
    await createHolder({ holderId, name: '冯九', idType: 'RESIDENT_ID', idHash, idNumberMasked: 'x', passwordHash: old, createdAt: new Date().toISOString() }, seeded);

    // Act
    await signIn({ idType: 'RESIDENT_ID', idNumber, password: PASSWORD }, source());
    const stored = (await findHolderByIdentity('RESIDENT_ID', idHash))!.passwordHash;
    const item = (await ddb().send(new GetCommand({ TableName: process.env[ENV.tableName], Key: keys.holder(holderId) }))).Item;

    // Assess
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(stored)).toBe(false);
    // The rewrite is the holder's login, stamped for the audit trail like every account write (not unattributed).
    expect(item?.[STAMP_ATTRIBUTE]).toMatchObject({ action: 'account.password-rehash', actor: { kind: 'holder', id: holderId }, source: { ip: '127.0.0.31' } });
    expect((await signIn({ idType: 'RESIDENT_ID', idNumber, password: PASSWORD }, source())).holderName).toBe('冯九');
  });
});
