import type { TestStack } from './local-stack';
import { PASSWORD } from './factories';

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

export async function register(
  stack: TestStack,
  person: { name: string; idType?: string; idNumber: string; password?: string },
): Promise<Response> {
  return stack.api(
    '/v1/accounts',
    jsonInit('POST', { name: person.name, idType: person.idType ?? 'RESIDENT_ID', idNumber: person.idNumber, password: person.password ?? PASSWORD }),
  );
}

export async function login(
  stack: TestStack,
  person: { idType?: string; idNumber: string; password?: string },
): Promise<Response> {
  return stack.api(
    '/v1/sessions',
    jsonInit('POST', { idType: person.idType ?? 'RESIDENT_ID', idNumber: person.idNumber, password: person.password ?? PASSWORD }),
  );
}

export function sessionFor(stack: TestStack, token: string, holderId: string): HolderSession {
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
  stack: TestStack,
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
