import type { TestStack } from './local-stack';
import { randomInt } from 'node:crypto';
import { PASSWORD } from './factories';
import { fetchFrom, randomLoopback } from './source-http';

/** What these helpers need of a stack: its API (a TestStack, or a benchmark's runtime with plain fetch). */
export type StackApi = Pick<TestStack, 'api' | 'apiUrl'>;

/** A holder as an API client: register, log in, accept the notice — each step through the real HTTP API. */
export interface HolderSession {
  token: string;
  holderId: string;
  get(path: string, init?: RequestInit): Promise<Response>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

export const jsonInit = (method: string, body?: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** A mobile number of its own for one test holder (codes are read back from the local outbox by recipient). */
export const testMobile = () => `+86139${String(randomInt(10_000_000, 99_999_999))}`;

/** The latest code the local stack sent to `to` (GET /dev/outbox, newest first). */
export async function codeSentTo(stack: StackApi, to: string): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const outbox = (await (await stack.api('/dev/outbox')).json()) as Array<{ to: string; text: string }>;
    const code = /验证码 (\d{6})/.exec(outbox.find((message) => message.to === to)?.text ?? '')?.[1];
    if (code) return code;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no code reached the outbox');
}

export async function requestCode(
  stack: StackApi,
  body: { purpose: string; idType?: string; idNumber: string; contact?: string },
  from = randomLoopback(),
): Promise<Response> {
  return fetchFrom(from, `${stack.apiUrl}/v1/verification-codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ idType: 'RESIDENT_ID', ...body }),
  });
}

/**
 * Registers as a holder does (Accounts v2): a REGISTER code to a contact of the holder's own (sent from a loopback
 * address of its own, so the per-source sending limit is the test's choice), read from the outbox, then the account.
 */
export async function register(
  stack: StackApi,
  person: { name: string; idType?: string; idNumber: string; password?: string; contact?: string; code?: string },
): Promise<Response> {
  let code = person.code;
  if (code === undefined) {
    const contact = person.contact ?? testMobile();
    const sent = await requestCode(stack, { purpose: 'REGISTER', idType: person.idType ?? 'RESIDENT_ID', idNumber: person.idNumber, contact });
    if (sent.status !== 202) throw new Error(`code request failed: ${sent.status} ${await sent.text()}`);
    code = await codeSentTo(stack, contact);
  }
  return stack.api(
    '/v1/accounts',
    jsonInit('POST', {
      name: person.name,
      idType: person.idType ?? 'RESIDENT_ID',
      idNumber: person.idNumber,
      password: person.password ?? PASSWORD,
      code,
    }),
  );
}

export async function login(
  stack: StackApi,
  person: { idType?: string; idNumber: string; password?: string },
): Promise<Response> {
  return stack.api(
    '/v1/sessions',
    jsonInit('POST', { idType: person.idType ?? 'RESIDENT_ID', idNumber: person.idNumber, password: person.password ?? PASSWORD }),
  );
}

export function sessionFor(stack: StackApi, token: string, holderId: string): HolderSession {
  const auth = { authorization: `Bearer ${token}` };
  return {
    token,
    holderId,
    get: (path, init = {}) => stack.api(path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } }),
    post: (path, body, headers = {}) => stack.api(path, jsonInit('POST', body, { ...auth, ...headers })),
  };
}

/** Registers, logs in and accepts the current notice: a holder ready to use certificate routes. */
export async function readyHolder(
  stack: StackApi,
  person: { name: string; idType?: string; idNumber: string },
): Promise<HolderSession> {
  const registered = await register(stack, person);
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
  const session = (await (await login(stack, person)).json()) as { token: string; holderId: string };
  const holder = sessionFor(stack, session.token, session.holderId);
  const notice = (await (await stack.api('/v1/notice')).json()) as { version: string };
  const accepted = await holder.post('/v1/notice/acceptance', { version: notice.version });
  if (accepted.status !== 204) throw new Error(`notice acceptance failed: ${accepted.status}`);
  return holder;
}
