import { createHash } from 'node:crypto';
import { backoffDelayMs, sleep } from '../../shared/aws/backoff';

/**
 * The holder flow over HTTP, as the portal drives it (API.md), for the operator tools: plain fetch against a base
 * URL, every unexpected answer an `ApiError` that carries the status and the problem `code` (never a body that could
 * hold personal data).
 */
export interface TestPerson {
  name: string;
  idType: string;
  idNumber: string;
  password: string;
}

export interface Annotation {
  annotationId: string;
  certId: string;
  status: 'PENDING' | 'READY' | 'FAILED' | 'EXPIRED' | 'REVOKED';
  validUntil: string;
  verificationCode?: string;
  documentSha256?: string;
}

export interface Verification {
  valid: boolean;
  certificate: { certId: string; status: string };
  annotation?: { status: string };
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(`${method} ${path} answered ${status}${code ? ` ${code}` : ''}`);
  }
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** The server's Retry-After when it gave one, else full-jitter backoff. */
const backoff = (attempt: number, baseMs: number, capMs: number, retryAfterMs?: number) =>
  sleep(retryAfterMs ?? backoffDelayMs(attempt, baseMs, capMs));

/** A request that takes longer is a failure of the tool's step (a Lambda behind API Gateway answers within 30 s). */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Paths in messages: certificate and annotation ids are not personal data, codes after /verify/ are kept short. */
const printable = (path: string) => path.replace(/(\/v1\/verify\/)([^/?]{4})[^/?]*/, '$1$2…');

export class HolderApi {
  /**
   * `retryThrottled`: answer a 429 or 503 by waiting (Retry-After, else a growing pause) and trying again, up to 6
   * times — for bulk preparation, which must not fail on the rate limits the run itself is there to meet. The smoke
   * test leaves it off: a throttled step there is worth seeing.
   */
  constructor(
    readonly baseUrl: string,
    private readonly options: {
      retryThrottled?: boolean;
      /** The code a registration proves itself with (Accounts v2): the tools take an operator recovery code. */
      registrationCode?: (person: TestPerson) => Promise<string>;
    } = {},
  ) {}

  async call<T>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      /** A binary body with its media type instead of JSON. */
      raw?: { bytes: Uint8Array; contentType: string };
      token?: string;
      headers?: Record<string, string>;
      expect?: number[];
    } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | Uint8Array | undefined;
    if (options.raw) {
      headers['content-type'] = options.raw.contentType;
      body = options.raw.bytes;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const send = () =>
      fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    let response = await send();
    for (let attempt = 1; this.options.retryThrottled && attempt <= 6 && [429, 503].includes(response.status); attempt++) {
      await response.body?.cancel();
      const retryAfter = Number(response.headers.get('retry-after'));
      await backoff(attempt, 250, 8000, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
      response = await send();
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const expected = options.expect ?? [200];
    if (!expected.includes(response.status)) {
      const code = (parsed as { code?: unknown } | undefined)?.code;
      throw new ApiError(method, printable(path), response.status, typeof code === 'string' ? code : undefined);
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  health() {
    return this.call<{ status: string }>('GET', '/v1/health');
  }

  /**
   * Registration (Accounts v2, API.md): an account needs a code. A test holder has no phone, so the tools ask for an
   * operator recovery code (`ecert holder recovery-code`, audited) — the helpdesk's path, the same locally and on a
   * deployed stack, and one that sends no SMS or e-mail.
   */
  async register(person: TestPerson): Promise<{ holderId: string }> {
    const { name, idType, idNumber, password } = person;
    if (!this.options.registrationCode) throw new Error('HolderApi: registering needs a registrationCode source');
    const code = await this.options.registrationCode(person);
    return (await this.call<{ holderId: string }>('POST', '/v1/accounts', { body: { name, idType, idNumber, password, code }, expect: [201] })).body;
  }

  async login(person: Pick<TestPerson, 'idType' | 'idNumber' | 'password'>): Promise<{ token: string; expiresAt: string }> {
    const { idType, idNumber, password } = person;
    return (await this.call<{ token: string; expiresAt: string }>('POST', '/v1/sessions', { body: { idType, idNumber, password } })).body;
  }

  async acceptCurrentNotice(token: string): Promise<string> {
    const { version } = (await this.call<{ version: string }>('GET', '/v1/notice')).body;
    await this.call('POST', '/v1/notice/acceptance', { token, body: { version }, expect: [204] });
    return version;
  }

  async certificateIds(token: string): Promise<string[]> {
    const { items } = (await this.call<{ items: Array<{ certId: string }> }>('GET', '/v1/certificates', { token })).body;
    return items.map((item) => item.certId);
  }

  async apply(token: string, certId: string, options: { validDays?: number; idempotencyKey?: string } = {}): Promise<Annotation> {
    return (
      await this.call<Annotation>('POST', `/v1/certificates/${encodeURIComponent(certId)}/annotations`, {
        token,
        body: { scenario: 'SELF_USE', validDays: options.validDays ?? 1 },
        headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
        expect: [202],
      })
    ).body;
  }

  async annotation(token: string, certId: string, annotationId: string): Promise<Annotation> {
    return (await this.call<Annotation>('GET', `/v1/certificates/${encodeURIComponent(certId)}/annotations/${annotationId}`, { token })).body;
  }

  /**
   * Polls like the portal (0.5 s doubling to a 4 s cap) until the annotation leaves PENDING; waiting is not failure,
   * so only the deadline ends it early.
   */
  async waitUntilSettled(token: string, certId: string, annotationId: string, timeoutMs: number): Promise<{ annotation: Annotation; polls: number }> {
    const deadline = Date.now() + timeoutMs;
    let delay = 500;
    for (let polls = 1; ; polls++) {
      const annotation = await this.annotation(token, certId, annotationId);
      if (annotation.status !== 'PENDING') return { annotation, polls };
      if (Date.now() + delay > deadline) throw new Error(`annotation still PENDING after ${Math.round(timeoutMs / 1000)} s (${polls} polls)`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 4000);
    }
  }

  downloadPath(certId: string, annotationId: string): string {
    return `/v1/certificates/${encodeURIComponent(certId)}/annotations/${annotationId}/download`;
  }

  async downloadLink(token: string, certId: string, annotationId: string): Promise<{ url: string; expiresAt: string; filename: string }> {
    return (await this.call<{ url: string; expiresAt: string; filename: string }>('GET', this.downloadPath(certId, annotationId), { token })).body;
  }

  async verifyCode(code: string): Promise<Verification> {
    return (await this.call<Verification>('GET', `/v1/verify/${encodeURIComponent(code)}`)).body;
  }

  async verifyDocument(bytes: Uint8Array): Promise<Verification & { documentIntact: boolean; signature: { valid: boolean } }> {
    return (
      await this.call<Verification & { documentIntact: boolean; signature: { valid: boolean } }>('POST', '/v1/verify/document', {
        raw: { bytes, contentType: 'application/pdf' },
      })
    ).body;
  }
}

/** Fetches a presigned document URL: the bytes, their SHA-256, and what S3 said the content is. */
export async function fetchDocument(url: string): Promise<{ bytes: Buffer; sha256: string; contentType: string | null }> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`the presigned download answered ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex'), contentType: response.headers.get('content-type') };
}
