import { randomBytes } from 'node:crypto';
import { bool, children, int, octets, oid, read, readInteger, readOid, readTime, seq, TAG } from './der';
import { CMS_OID, parseSignedData, sha256 } from './cades';
import { OID, parseCertificate } from './x509';
import { httpBytes } from './http-bytes';

/**
 * RFC 3161 time-stamping, client side: the request for a digest, the checks on the answer (status, message imprint,
 * nonce), and reading a token back (genTime, the TSA). The TSA is configuration (`ECERT_TSA_URL`): a qualified TSA in
 * production, the local responder (local/tsa-server.ts) under `npm start` and in tests.
 */
export interface TimestampAuthority {
  /** For reports and logs: the TSA's URL or a name. */
  readonly name: string;
  /** A TimeStampToken (CMS ContentInfo) over the SHA-256 `digest`. */
  timestamp(digest: Buffer): Promise<Buffer>;
}

/**
 * A failure the next attempt may not have: the TSA or KMS unreachable, throttled or answering garbage. The render
 * consumer lets it propagate so the message is retried; it never marks the annotation FAILED.
 */
export class TransientSigningError extends Error {
  override name = 'TransientSigningError';
  readonly transient = true;
}

export function timestampRequest(digest: Buffer, nonce: bigint): Buffer {
  return seq(int(1), seq(seq(oid(OID.sha256)), octets(digest)), int(nonce), bool(true));
}

export interface TimestampInfo {
  genTime: Date;
  digest: Buffer;
  serial: bigint;
  nonce?: bigint;
  policy: string;
  /** Subject of the TSA certificate in the token, one line. */
  tsaSubject?: string;
  certificates: Buffer[];
}

export function parseTimestampToken(token: Uint8Array): TimestampInfo {
  const signed = parseSignedData(token);
  if (signed.contentType !== CMS_OID.tstInfo || !signed.content) throw new Error('not a timestamp token');
  const fields = children(read(signed.content));
  const [, policy, imprint, serial, genTime, ...rest] = fields;
  const nonceNode = rest.find((n) => n.tag === TAG.INTEGER);
  const first = signed.certificates[0];
  let tsaSubject: string | undefined;
  if (first) {
    try {
      tsaSubject = describeName(parseCertificate(first).subject);
    } catch {
      tsaSubject = undefined;
    }
  }
  return {
    genTime: readTime(genTime!),
    digest: Buffer.from(children(imprint!)[1]!.value),
    serial: readInteger(serial!),
    ...(nonceNode ? { nonce: readInteger(nonceNode) } : {}),
    policy: readOid(policy!),
    ...(tsaSubject ? { tsaSubject } : {}),
    certificates: signed.certificates,
  };
}

const NAME_KEYS: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.10': 'O', '2.5.4.11': 'OU' };

/** "CN=…, O=…, C=…" from a DER Name. */
export function describeName(name: Buffer): string {
  return children(read(name))
    .flatMap((rdn) => children(rdn))
    .map((atv) => {
      const [type, value] = children(atv);
      const key = NAME_KEYS[readOid(type!)] ?? readOid(type!);
      return `${key}=${value!.value.toString(value!.tag === TAG.UTF8_STRING ? 'utf8' : 'latin1')}`;
    })
    .reverse()
    .join(', ');
}

/** Reads a TimeStampResp (RFC 3161 §2.4.2): the token when granted, else an error naming the status. */
export function tokenFromResponse(response: Uint8Array): Buffer {
  const [status, token] = children(read(response));
  const code = Number(readInteger(children(status!)[0]!));
  // 0 granted, 1 grantedWithMods.
  if (code > 1 || !token) throw new TransientSigningError(`the TSA refused the request (PKIStatus ${code})`);
  return Buffer.from(token.raw);
}

/** A token with its TSA's certificate chain is a few KB; anything far larger is not a timestamp response. */
const MAX_TSA_RESPONSE_BYTES = 256 * 1024;

/** An RFC 3161 TSA over HTTP (RFC 3161 §3.4: POST application/timestamp-query). */
export function httpTimestampAuthority(url: string, options: { timeoutMs?: number } = {}): TimestampAuthority {
  return {
    name: url,
    async timestamp(digest) {
      const nonce = BigInt(`0x${randomBytes(8).toString('hex')}`);
      let body: Buffer;
      try {
        const response = await httpBytes(url, {
          method: 'POST',
          contentType: 'application/timestamp-query',
          body: timestampRequest(digest, nonce),
          timeoutMs: options.timeoutMs ?? 5000,
          maxBytes: MAX_TSA_RESPONSE_BYTES,
        });
        if (!response.ok) throw new TransientSigningError(`the TSA answered HTTP ${response.status}`);
        body = response.body;
      } catch (error) {
        if (error instanceof TransientSigningError) throw error;
        throw new TransientSigningError(`the TSA is unreachable: ${(error as Error).message}`);
      }
      let token: Buffer;
      let info: TimestampInfo;
      try {
        token = tokenFromResponse(body);
        info = parseTimestampToken(token);
      } catch (error) {
        if (error instanceof TransientSigningError) throw error;
        throw new TransientSigningError('the TSA answered something that is not a timestamp response');
      }
      // A token for another digest or another request would not prove anything about this signature.
      if (!info.digest.equals(digest) || info.nonce !== nonce) throw new TransientSigningError('the TSA answered for another request');
      return token;
    },
  };
}

/** Whether a token's message imprint is the SHA-256 of `data` (a signature value, for a signature time-stamp). */
export const tokenCovers = (info: TimestampInfo, data: Uint8Array): boolean => info.digest.equals(sha256(data));
