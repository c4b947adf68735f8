import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CredentialIssuer, StatusEntry } from '../credentials/credential';
import { STATUS_LIST_SIZE } from '../credentials/status-list';
import { ENV, optionalEnv, requireEnv } from '../config/env';
import { SECRETS } from '../config/secrets';
import { assignCredentialStatus, reserveStatusIndexes } from '../repository/seal-state';
import { loadIssuingCa, type IssuingCa } from './issuing-ca';
import { readSecretString } from './key-store';
import type { ValidationData } from './pades';
import { currentCrl, issuerOf, statusListUrl } from './pki-publisher';
import { sealKeySource, type SealKey } from './seal-key';
import { sha256 } from './cades';
import { describeName, httpTimestampAuthority, parseTimestampToken, TransientSigningError, type TimestampAuthority } from './timestamp';
import { parseCertificate, parseCrl, type ParsedCertificate } from './x509';
import { httpBytes } from './http-bytes';

/**
 * Everything a render needs to seal a PDF, behind one object (what `signingKey()` returns and
 * `renderSignedCertificate(input, key)` takes): the container's key, the TSA, the validation data for the DSS and the
 * credential's status entry. Benchmarks and unit tests build one in memory (test/support/sealer.ts).
 */
export interface Sealer {
  /** SHA-256 of the signing (container) certificate: recorded with the document. */
  readonly fingerprint: string;
  readonly key: SealKey;
  readonly tsa: TimestampAuthority;
  readonly issuer: CredentialIssuer;
  /** Certificates and CRLs for the signer's chain and for the TSA (its chain learnt from a first token). */
  validationData(): Promise<ValidationData>;
  /** The TSA answered with a certificate it had not presented: learn its chain again. */
  forgetTimestampAuthority(): void;
  credentialStatus(annotation: { certId: string; annotationId: string; validUntil: string }): Promise<StatusEntry>;
}

/** The signing-key bundle as stored now, read past the per-container secret cache (rotation check). */
async function readBundle(): Promise<{ json: string; local: boolean }> {
  const localDir = optionalEnv(ENV.localSecretsDir);
  if (localDir) return { json: await readFile(join(localDir, SECRETS.signingKey.localFile), 'utf8'), local: true };
  const json = await readSecretString(requireEnv(ENV.signingKeySecret)).catch((error: Error) => {
    throw new TransientSigningError(`the signing-key bundle could not be read: ${error.name}`);
  });
  if (!json) throw new TransientSigningError('the signing-key secret has no value yet');
  return { json, local: false };
}

let loadedCa: { json: string; ca: IssuingCa } | undefined;

/** The issuing CA as the bundle names it now (re-parsed only when the bundle changed). */
export async function currentIssuingCa(): Promise<IssuingCa> {
  const { json, local } = await readBundle();
  if (loadedCa?.json !== json) loadedCa = { json, ca: loadIssuingCa(json, { allowFileKey: local }) };
  return loadedCa.ca;
}

export const publicBaseUrl = (): string => requireEnv(ENV.publicBaseUrl).replace(/\/+$/, '');

const keys = sealKeySource({ loadCa: currentIssuingCa, publicBaseUrl });

/** This container's key (the publisher signs status lists with it). */
export const currentSealKey = (): Promise<SealKey> => keys.current();

/** Certificates and CRLs fetched over HTTP (a TSA's issuer, a third-party CA's CRL), kept until they go stale. */
const fetched = new Map<string, { der: Buffer; until: number }>();
/** A CA's CRL can list many revocations; the document's DSS carries it, so it stays well under this. */
const MAX_VALIDATION_DATA_BYTES = 16 * 1024 * 1024;

async function fetchDer(url: string, kind: 'crl' | 'certificate'): Promise<Buffer> {
  const hit = fetched.get(url);
  if (hit && hit.until > Date.now()) return hit.der;
  let der: Buffer;
  try {
    const response = await httpBytes(url, { timeoutMs: 5000, maxBytes: MAX_VALIDATION_DATA_BYTES });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    der = response.body;
  } catch (error) {
    throw new TransientSigningError(`validation data from ${url} could not be fetched: ${(error as Error).message}`);
  }
  // A CRL is kept until an hour before its nextUpdate; a certificate for a day.
  const nextUpdate = kind === 'crl' ? parseCrl(der).nextUpdate?.getTime() : undefined;
  fetched.set(url, { der, until: nextUpdate ? nextUpdate - 3600_000 : Date.now() + 86_400_000 });
  return der;
}

const AIA = /https?:\/\/[\x21-\x7e]+?\.(?:crt|cer|der)\b/;

/** The TSA's certificates up to a self-signed root: the token's, then issuers named by authorityInfoAccess. */
async function tsaPath(tokenCertificates: readonly Buffer[]): Promise<ParsedCertificate[]> {
  const path = tokenCertificates.map((der) => parseCertificate(der));
  for (let guard = 0; guard < 4; guard++) {
    const last = path[path.length - 1];
    if (!last || last.issuer.equals(last.subject)) break;
    const url = AIA.exec(last.der.toString('latin1'))?.[0];
    if (!url || path.some((c) => c.subject.equals(last.issuer))) break;
    path.push(parseCertificate(await fetchDer(url, 'certificate')));
  }
  return path;
}

/** The TSA's certificate path, learnt once per container from a token over a fixed digest (one extra TSA call). */
let tsaKnown: { url: string; path: Promise<ParsedCertificate[]> } | undefined;

function tsaCertificates(tsa: TimestampAuthority): Promise<ParsedCertificate[]> {
  if (tsaKnown?.url !== tsa.name) {
    const path = tsa.timestamp(sha256(Buffer.from('ecert: learn the TSA certificate path'))).then((token) => tsaPath(parseTimestampToken(token).certificates));
    tsaKnown = { url: tsa.name, path };
    path.catch(() => (tsaKnown = undefined));
  }
  return tsaKnown.path;
}

/** Status indexes are handed out in blocks, so a render writes once per credential, not twice. */
const STATUS_BLOCK = 64;
let block: { next: number; end: number } | undefined;

async function nextCandidate(): Promise<{ listId: number; index: number }> {
  if (!block || block.next >= block.end) {
    const start = await reserveStatusIndexes(STATUS_BLOCK);
    block = { next: start, end: start + STATUS_BLOCK };
  }
  const global = block.next++;
  return { listId: Math.floor(global / STATUS_LIST_SIZE), index: global % STATUS_LIST_SIZE };
}

/** The render container's Sealer: local file CA under `npm start`, the KMS CA in the cloud. */
export async function signingKey(): Promise<Sealer> {
  const key = await keys.current();
  const base = publicBaseUrl();
  const tsaUrl = requireEnv(ENV.tsaUrl);
  const tsaAuthority = httpTimestampAuthority(tsaUrl);
  return {
    fingerprint: key.fingerprint,
    key,
    tsa: tsaAuthority,
    issuer: issuerOf(base, issuerName(key)),
    forgetTimestampAuthority: () => (tsaKnown = undefined),
    async validationData() {
      const ca = key.ca;
      const tsa = await tsaCertificates(tsaAuthority);
      const crls: Buffer[] = [await currentCrl(ca)];
      for (const cert of [...ca.chain, ...tsa]) {
        if (cert.crlDistributionPoint) crls.push(await fetchDer(cert.crlDistributionPoint, 'crl'));
      }
      const certificates = [key.certificate, ca.certificate, ...ca.chain, ...tsa].map((c) => c.der);
      return { certificates: dedupe(certificates), crls: dedupe(crls) };
    },
    async credentialStatus(annotation) {
      const assigned = await assignCredentialStatus(annotation, await nextCandidate());
      return { listUrl: statusListUrl(base, assigned.listId), index: assigned.index };
    },
  };
}

export function resetSigningKey(): void {
  keys.reset();
  loadedCa = undefined;
  block = undefined;
  tsaKnown = undefined;
  fetched.clear();
}

const dedupe = (items: Buffer[]): Buffer[] => items.filter((item, i) => items.findIndex((other) => other.equals(item)) === i);

export const issuerName = (key: SealKey): string => /O=([^,]+)/.exec(describeName(key.ca.certificate.subject))?.[1] ?? 'ecert';

/**
 * Starts what the first render needs — the CA bundle, this container's key and certificate (one kms:Sign), the TSA's
 * certificate path and the CRL — during the container's init, so the first message does not pay for it. Failures are
 * left for the render to meet (and retry).
 */
export function warmUpSeal(): void {
  signingKey()
    .then((sealer) => sealer.validationData())
    .catch(() => undefined);
}
