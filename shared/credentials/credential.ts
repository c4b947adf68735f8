import { createPublicKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import type { Annotation } from '../domain/annotation';
import type { Certificate } from '../domain/certificate';
import { maskIdNumber } from '../domain/identity';
import type { Qualification } from '../domain/qualifications';
import type { Scenario } from '../domain/scenarios';

/**
 * The annotation as a W3C Verifiable Credential (VC Data Model 2.0), secured with VC-JOSE (`application/vc+jwt`,
 * W3C "Securing Verifiable Credentials using JOSE and COSE"): a compact JWS whose payload is the credential and whose
 * header carries the signer's certificate chain (x5c) — the render container's key, certified by the same issuing
 * CA as the PDF signature. Issuer keys: `GET /v1/issuer/jwks.json`; status: a Bitstring Status List.
 */
export const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const VC_MEDIA_TYPE = 'vc+jwt';
export const CREDENTIAL_TYPE = 'AnnotatedQualificationCertificate';
/** The name of the embedded file in the PDF (a PDF/A-3 associated file) and its MIME type. */
export const CREDENTIAL_FILENAME = 'credential.vc.jwt';
export const CREDENTIAL_MEDIA_TYPE = 'application/vc+jwt';

/** What the credential states: the same input the page is rendered from. */
export interface CredentialFacts {
  certificate: Certificate;
  qualification: Qualification;
  annotation: Pick<Annotation, 'annotationId' | 'validFrom' | 'validUntil' | 'validDays'>;
  scenario: Scenario;
  verificationUrl: string;
}

export interface StatusEntry {
  /** URL of the status list credential. */
  listUrl: string;
  index: number;
}

export interface CredentialIssuer {
  /** The issuer's id: `{public base URL}/v1/issuer`. */
  id: string;
  name: string;
}

export interface QualificationCredential {
  '@context': string[];
  id: string;
  type: string[];
  issuer: { id: string; name: string };
  name: string;
  validFrom: string;
  validUntil: string;
  credentialSubject: {
    type: string;
    name: string;
    idType: string;
    idNumberMasked: string;
    certificateNumber: string;
    qualification: { code: string; name: string; level: string; specialty?: string };
    approvalDate: string;
    issuedAt: string;
    issuingAuthority: string;
    annotation: { id: string; scenario: string; scenarioLabel: string; scenarioLabelEn: string; validDays: number };
  };
  credentialStatus: {
    id: string;
    type: 'BitstringStatusListEntry';
    statusPurpose: 'revocation';
    statusListIndex: string;
    statusListCredential: string;
  };
}

export function buildCredential(input: CredentialFacts, status: StatusEntry, issuer: CredentialIssuer): QualificationCredential {
  const { certificate: cert, qualification: q, annotation, scenario } = input;
  return {
    '@context': [VC_CONTEXT],
    // The public verification URL of this copy: dereferencing the id shows its current state.
    id: input.verificationUrl,
    type: ['VerifiableCredential', CREDENTIAL_TYPE],
    issuer: { id: issuer.id, name: issuer.name },
    name: `${q.name} 电子证书（加注件）`,
    validFrom: annotation.validFrom,
    validUntil: annotation.validUntil,
    credentialSubject: {
      type: 'QualificationHolder',
      name: cert.holderName,
      idType: cert.idType,
      // The PDF is the holder's own copy; the credential may travel alone, so it carries the ID number masked.
      idNumberMasked: maskIdNumber(cert.idNumber),
      certificateNumber: cert.certId,
      qualification: { code: q.code, name: q.name, level: cert.level, ...(cert.specialty ? { specialty: cert.specialty } : {}) },
      approvalDate: cert.approvalDate,
      issuedAt: cert.issuedAt,
      issuingAuthority: cert.issuer,
      annotation: {
        id: annotation.annotationId,
        scenario: scenario.code,
        scenarioLabel: scenario.label,
        scenarioLabelEn: scenario.labelEn,
        validDays: annotation.validDays,
      },
    },
    credentialStatus: {
      id: `${status.listUrl}#${status.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(status.index),
      statusListCredential: status.listUrl,
    },
  };
}

export interface JoseSigner {
  privateKey: KeyObject;
  /** The signer's certificate first, then its issuers (DER). */
  chain: readonly Buffer[];
  /** Key id: SHA-256 of the signer certificate, hex. */
  kid: string;
}

/**
 * A compact JWS (RFC 7515, ES256) with typ vc+jwt and cty vc over the credential (or a status list credential).
 * Written here on node:crypto rather than with jose: jose signs through WebCrypto, an asynchronous hop to the thread
 * pool that cost more than the signature itself on every PDF. jose still verifies it (verifyCredential), and the tests
 * verify it with jsonwebtoken besides.
 */
export function signCredential(credential: object, signer: JoseSigner): string {
  const header = { alg: 'ES256', typ: VC_MEDIA_TYPE, cty: 'vc', kid: signer.kid, x5c: signer.chain.map((der) => der.toString('base64')) };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(credential))}`;
  // JWS ES256 wants r‖s (IEEE P1363), not DER.
  const signature = sign('sha256', Buffer.from(signingInput, 'latin1'), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

const base64url = (json: string): string => Buffer.from(json, 'utf8').toString('base64url');

export interface CredentialCheck {
  /** The JWS verifies with the certificate in its header, and that certificate was issued by a trusted CA. */
  valid: boolean;
  credential?: QualificationCredential;
  /** SHA-256 of the signing certificate. */
  signerFingerprint?: string;
  /** SHA-256 of the CA certificate the chain reached. */
  caFingerprint?: string;
}

const fingerprint = (cert: X509Certificate) => cert.fingerprint256.replace(/:/g, '').toLowerCase();

/**
 * Verifies a vc+jwt: header typ, the x5c chain (each certificate issued by the next, the last one — or its issuer —
 * among `trustedCas`), then the signature with the leaf's key. Never throws on hostile input.
 */
export async function verifyCredential(jwt: string, trustedCas: readonly X509Certificate[]): Promise<CredentialCheck> {
  try {
    const header = decodeProtectedHeader(jwt);
    if (header.typ !== VC_MEDIA_TYPE || header.alg !== 'ES256' || !Array.isArray(header.x5c) || header.x5c.length === 0) {
      return { valid: false };
    }
    const chain = header.x5c.map((b64) => new X509Certificate(Buffer.from(b64, 'base64')));
    for (let i = 0; i + 1 < chain.length; i++) if (!chain[i]!.verify(chain[i + 1]!.publicKey)) return { valid: false };
    const top = chain[chain.length - 1]!;
    const anchor = trustedCas.find((ca) => fingerprint(ca) === fingerprint(top) || (top.checkIssued(ca) && top.verify(ca.publicKey)));
    const leaf = chain[0]!;
    const { payload } = await compactVerify(jwt, createPublicKey(leaf.publicKey.export({ type: 'spki', format: 'pem' })));
    const credential = JSON.parse(Buffer.from(payload).toString('utf8')) as QualificationCredential;
    return {
      valid: anchor !== undefined,
      credential,
      signerFingerprint: fingerprint(leaf),
      ...(anchor ? { caFingerprint: fingerprint(anchor) } : {}),
    };
  } catch {
    return { valid: false };
  }
}
