import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashIdentity } from '../../shared/auth/identity-hash';
import { ddb } from '../../shared/aws/clients';
import { formatRecoveryCode } from '../../shared/domain/one-time-code';
import { issueRecoveryCode } from '../../shared/services/one-time-codes';
import { PASSWORD, residentId } from '../support/factories';
import { codeSentTo, jsonInit, login, register, requestCode, testMobile } from '../support/holder-client';
import { startTestStack, type TestStack } from '../support/local-stack';

/**
 * A concurrent change of the same account landing between an account change's read and its write, on the local
 * stack: the interloper is a real password change through the API (it ends every session), let in by the test just
 * before the change's own transaction reaches DynamoDB Local — the moment a real race would pick. Every response is
 * checked against the OpenAPI document (stack.api), so an undeclared status or a missing required header fails here.
 *
 * - The public routes (POST /v1/accounts, POST /v1/accounts/password-reset) have no session to end: API.md
 *   "Accounts v2" gives them no 401, so they read again and decide again.
 * - An authenticated route whose session the interloper ended answers 401 UNAUTHENTICATED, and like every 401 it
 *   names the Bearer challenge.
 */
let stack: TestStack;

/** The one interloper waiting for the next transaction that writes the account item of `holderId`. */
let interloper: { holderId: string; change: () => Promise<void>; ran: boolean } | undefined;

beforeAll(async () => {
  stack = await startTestStack({ queueConsumers: false });
  // After the stack has pointed the SDK at its emulators (the clients are built then): the handlers run in this
  // process and share this client.
  ddb().middlewareStack.add(
    (next, context) => async (args) => {
      const pending = interloper;
      if (pending && !pending.ran && /TransactWrite/.test(context.commandName ?? '') && JSON.stringify(args.input).includes(`HOLDER#${pending.holderId}`)) {
        pending.ran = true;
        await pending.change();
      }
      return next(args);
    },
    { step: 'initialize', name: 'concurrentAccountChange' },
  );
});
afterAll(async () => {
  await stack?.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function session(idNumber: string, password = PASSWORD): Promise<{ token: string; holderId: string }> {
  const response = await login(stack, { idNumber, password });
  expect(response.status).toBe(200);
  return (await response.json()) as { token: string; holderId: string };
}

/** A holder with a verified contact and a second session of their own, which the interloper changes the password with. */
async function holderWithTwoSessions(name: string) {
  const idNumber = residentId();
  const contact = testMobile();
  expect((await register(stack, { name, idNumber, contact })).status).toBe(201);
  const first = await session(idNumber);
  const second = await session(idNumber);
  return { idNumber, contact, holderId: first.holderId, token: first.token, otherToken: second.token };
}

/** Arms the interloper: a password change through the API, on the holder's other session. */
function changePasswordMeanwhile(holderId: string, otherToken: string, newPassword: string) {
  const armed = {
    holderId,
    ran: false,
    change: async () => {
      const changed = await stack.api('/v1/accounts/me/password', jsonInit('PUT', { currentPassword: PASSWORD, newPassword }, bearer(otherToken)));
      expect(changed.status).toBe(204);
    },
  };
  interloper = armed;
  return armed;
}

describe('an account change racing another change of the same account', () => {
  it('re-registration (POST /v1/accounts) decides again and replaces the account: 201, not 401', async () => {
    // Prepare: a squatter's account, and the helpdesk's recovery code for the real holder.
    const squatter = await holderWithTwoSessions('冒名');
    const { code } = await issueRecoveryCode('RESIDENT_ID', await hashIdentity('RESIDENT_ID', squatter.idNumber), new Date());
    const race = changePasswordMeanwhile(squatter.holderId, squatter.otherToken, 'Squatter-Moved-2026');

    // Act
    const replaced = await register(stack, { name: '陈真', idNumber: squatter.idNumber, password: 'Real-Holder-2027', code: formatRecoveryCode(code) });

    // Assess: the interloper did change the password in between, and the re-registration still won.
    expect(race.ran).toBe(true);
    expect(replaced.status).toBe(201);
    expect(await replaced.json()).toEqual({ holderId: squatter.holderId });
    expect((await login(stack, { idNumber: squatter.idNumber, password: 'Squatter-Moved-2026' })).status).toBe(401);
    const me = await stack.api('/v1/accounts/me', { headers: bearer((await session(squatter.idNumber, 'Real-Holder-2027')).token) });
    expect(await me.json()).toMatchObject({ name: '陈真' });
  }, 120_000);

  it('password reset (POST /v1/accounts/password-reset) decides again and sets the password: 204, not 401', async () => {
    // Prepare
    const holder = await holderWithTwoSessions('陈五');
    expect((await requestCode(stack, { purpose: 'RESET_PASSWORD', idNumber: holder.idNumber })).status).toBe(202);
    const code = await codeSentTo(stack, holder.contact);
    const race = changePasswordMeanwhile(holder.holderId, holder.otherToken, 'Changed-Meanwhile-1');

    // Act
    const reset = await stack.api(
      '/v1/accounts/password-reset',
      jsonInit('POST', { idType: 'RESIDENT_ID', idNumber: holder.idNumber, code, newPassword: 'Reset-After-Race-2' }),
    );

    // Assess
    expect(race.ran).toBe(true);
    expect(reset.status).toBe(204);
    expect((await login(stack, { idNumber: holder.idNumber, password: 'Changed-Meanwhile-1' })).status).toBe(401);
    expect((await login(stack, { idNumber: holder.idNumber, password: 'Reset-After-Race-2' })).status).toBe(200);
  }, 120_000);

  it('a contact change (PUT /v1/accounts/me/contact) on the session that ended answers 401 with the Bearer challenge', async () => {
    // Prepare
    const holder = await holderWithTwoSessions('陈六');
    let next = testMobile();
    while (next.slice(-4) === holder.contact.slice(-4)) next = testMobile();
    expect((await requestCode(stack, { purpose: 'CHANGE_CONTACT', idNumber: holder.idNumber, contact: next })).status).toBe(202);
    const code = await codeSentTo(stack, next);
    const race = changePasswordMeanwhile(holder.holderId, holder.otherToken, 'Changed-Meanwhile-3');

    // Act
    const changed = await stack.api('/v1/accounts/me/contact', jsonInit('PUT', { contact: next, code }, bearer(holder.token)));

    // Assess: the session ended under the request; the contact stays the one the account had.
    expect(race.ran).toBe(true);
    expect(changed.status).toBe(401);
    expect(changed.headers.get('www-authenticate')).toBe('Bearer realm="ecert"');
    expect(await changed.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const me = (await (await stack.api('/v1/accounts/me', { headers: bearer((await session(holder.idNumber, 'Changed-Meanwhile-3')).token) })).json()) as {
      contactMasked: string;
    };
    expect(me.contactMasked.slice(-4)).toBe(holder.contact.slice(-4));
  }, 120_000);
});
