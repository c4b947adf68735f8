import { createHash, createPublicKey, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import {
  bits,
  bool,
  children,
  ctx,
  ctxPrim,
  int,
  nul,
  octets,
  oid,
  printable,
  read,
  readOid,
  readTime,
  seq,
  setOf,
  TAG,
  utf8,
  x509Time,
  type Node,
} from './der';

/**
 * X.509 certificates and CRLs as the seal's PKI issues them (RFC 5280): the issuing CA's own certificate, the
 * short-lived certificate of each render container's ephemeral key, and the CA's CRL. Whoever holds the CA key signs
 * through a `RawSigner` — a KMS key in the cloud, a file key locally — so this module never sees a private CA key.
 */
export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256: '2.16.840.1.101.3.4.2.1',
  commonName: '2.5.4.3',
  countryName: '2.5.4.6',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  crlDistributionPoints: '2.5.29.31',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  kpEmailProtection: '1.3.6.1.5.5.7.3.4',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  /** RFC 9336 id-kp-documentSigning. */
  kpDocumentSigning: '1.3.6.1.5.5.7.3.36',
  /** Adobe Authentic Documents Trust. */
  kpAdobeAuthenticDocuments: '1.2.840.113583.1.1.5',
} as const;

export type SignatureAlgorithm = 'RSASSA_PKCS1_V1_5_SHA_256' | 'ECDSA_SHA_256';

/** AlgorithmIdentifier of a signature (RSA keeps its NULL parameters, ECDSA has none: RFC 4055, RFC 5758). */
export function signatureAlgorithmId(algorithm: SignatureAlgorithm): Buffer {
  return algorithm === 'ECDSA_SHA_256' ? seq(oid(OID.ecdsaWithSha256)) : seq(oid(OID.sha256WithRSA), nul());
}

export function signatureAlgorithmOf(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'ec') return 'ECDSA_SHA_256';
  if (key.asymmetricKeyType === 'rsa') return 'RSASSA_PKCS1_V1_5_SHA_256';
  throw new Error(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
}

/** Whoever signs: a KMS key, a file key, an in-memory ephemeral key. `sign` gets the bytes to be signed (not a digest). */
export interface RawSigner {
  readonly algorithm: SignatureAlgorithm;
  sign(data: Buffer): Promise<Buffer>;
}

/** A signer over a key in this process (an ephemeral container key, a local file CA key, the local TSA). */
export function keySigner(privateKey: KeyObject): RawSigner {
  const algorithm = signatureAlgorithmOf(privateKey);
  return {
    algorithm,
    sign: async (data) =>
      nodeSign('sha256', data, algorithm === 'ECDSA_SHA_256' ? { key: privateKey, dsaEncoding: 'der' } : privateKey),
  };
}

export type NamePart = ['CN' | 'O' | 'OU' | 'C', string];

/** A distinguished name; C as PrintableString, the rest UTF8String (Chinese organisation names). */
export function encodeName(parts: readonly NamePart[]): Buffer {
  const type = { CN: OID.commonName, O: OID.organizationName, OU: OID.organizationalUnitName, C: OID.countryName };
  return seq(
    ...parts.map(([key, value]) => setOf(seq(oid(type[key]), key === 'C' ? printable(value) : utf8(value)))),
  );
}

export const keyIdentifier = (spkiDer: Buffer): Buffer => {
  // RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING (without tag, length, unused-bits byte).
  const spki = children(read(spkiDer));
  return createHash('sha1').update(spki[1]!.value.subarray(1)).digest();
};

export interface ParsedCertificate {
  der: Buffer;
  tbs: Node;
  serial: Buffer;
  /** The issuer and subject Names exactly as encoded (a CMS issuerAndSerialNumber must repeat them byte for byte). */
  issuer: Buffer;
  subject: Buffer;
  spki: Buffer;
  notBefore: Date;
  notAfter: Date;
  subjectKeyId?: Buffer;
  crlDistributionPoint?: string;
}

export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const root = read(der);
  const [tbs] = children(root);
  const fields = children(tbs!);
  const offset = fields[0]!.tag === 0xa0 ? 1 : 0;
  const validity = children(fields[offset + 3]!);
  let subjectKeyId: Buffer | undefined;
  let crlDistributionPoint: string | undefined;
  const extensionsField = fields.find((f) => f.tag === 0xa3);
  if (extensionsField) {
    for (const extension of children(children(extensionsField)[0]!)) {
      const parts = children(extension);
      const id = readOid(parts[0]!);
      const value = read(parts[parts.length - 1]!.value);
      if (id === OID.subjectKeyIdentifier) subjectKeyId = Buffer.from(value.value);
      if (id === OID.crlDistributionPoints) {
        const uri = /https?:\/\/[\x21-\x7e]+/.exec(value.value.toString('latin1'));
        if (uri) crlDistributionPoint = uri[0];
      }
    }
  }
  return {
    der: Buffer.from(root.raw),
    tbs: tbs!,
    serial: Buffer.from(fields[offset]!.raw),
    issuer: Buffer.from(fields[offset + 2]!.raw),
    subject: Buffer.from(fields[offset + 4]!.raw),
    spki: Buffer.from(fields[offset + 5]!.raw),
    notBefore: readTime(validity[0]!),
    notAfter: readTime(validity[1]!),
    ...(subjectKeyId ? { subjectKeyId } : {}),
    ...(crlDistributionPoint ? { crlDistributionPoint } : {}),
  };
}

const extension = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

export interface CertificateProfile {
  subject: readonly NamePart[];
  /** The issuer's certificate; absent for a self-signed certificate. */
  issuer?: ParsedCertificate;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  kind: 'ca' | 'document-signer' | 'timestamping';
  /** Where the issuer's CRL and certificate are published (the stack's public URLs). */
  crlUrl?: string;
  issuerCertificateUrl?: string;
  serial?: Buffer;
}

/** Builds and signs a certificate. `signer` is the issuer's key (the subject's own key when self-signed). */
export async function issueCertificate(profile: CertificateProfile, signer: RawSigner): Promise<Buffer> {
  const spki = profile.publicKey.export({ type: 'spki', format: 'der' });
  const subject = encodeName(profile.subject);
  const issuerName = profile.issuer?.subject ?? subject;
  const authorityKeyId = profile.issuer ? profile.issuer.subjectKeyId ?? keyIdentifier(profile.issuer.spki) : keyIdentifier(spki);
  const extensions: Buffer[] = [];
  if (profile.kind === 'ca') {
    extensions.push(extension(OID.basicConstraints, true, seq(bool(true), int(0))));
    // keyCertSign | cRLSign (bits 5 and 6): 0000 0110, one unused bit.
    extensions.push(extension(OID.keyUsage, true, bits(Buffer.from([0x06]), 1)));
  } else {
    extensions.push(extension(OID.basicConstraints, true, seq()));
    if (profile.kind === 'timestamping') {
      // digitalSignature only; RFC 3161 §2.3: the only extended key usage, and critical.
      extensions.push(extension(OID.keyUsage, true, bits(Buffer.from([0x80]), 7)));
      extensions.push(extension(OID.extKeyUsage, true, seq(oid(OID.kpTimeStamping))));
    } else {
      // digitalSignature | nonRepudiation: 1100 0000, six unused bits.
      extensions.push(extension(OID.keyUsage, true, bits(Buffer.from([0xc0]), 6)));
      // S/MIME signing (what OpenSSL and NSS check a CMS signer for), Adobe's document EKU and RFC 9336's.
      extensions.push(
        extension(OID.extKeyUsage, false, seq(oid(OID.kpEmailProtection), oid(OID.kpAdobeAuthenticDocuments), oid(OID.kpDocumentSigning))),
      );
    }
  }
  extensions.push(extension(OID.subjectKeyIdentifier, false, octets(keyIdentifier(spki))));
  extensions.push(extension(OID.authorityKeyIdentifier, false, seq(ctxPrim(0, authorityKeyId))));
  if (profile.crlUrl) {
    // DistributionPoint { distributionPoint [0] { fullName [0] { uniformResourceIdentifier [6] } } }
    extensions.push(
      extension(OID.crlDistributionPoints, false, seq(seq(ctx(0, ctx(0, ctxPrim(6, Buffer.from(profile.crlUrl, 'latin1'))))))),
    );
  }
  if (profile.issuerCertificateUrl) {
    extensions.push(
      extension(OID.authorityInfoAccess, false, seq(seq(oid(OID.caIssuers), ctxPrim(6, Buffer.from(profile.issuerCertificateUrl, 'latin1'))))),
    );
  }
  const algorithm = signatureAlgorithmId(signer.algorithm);
  // Positive 16-byte serial with 120 random bits (RFC 5280 allows up to 20 octets; CA/B asks ≥ 64 random bits).
  const serial = profile.serial ?? Buffer.concat([Buffer.from([0x40 | (randomBytes(1)[0]! & 0x3f)]), randomBytes(15)]);
  const tbs = seq(
    ctx(0, int(2)),
    int(serial),
    algorithm,
    issuerName,
    seq(x509Time(profile.notBefore), x509Time(profile.notAfter)),
    subject,
    spki,
    ctx(3, seq(...extensions)),
  );
  return seq(tbs, algorithm, bits(await signer.sign(tbs)));
}

export interface CrlProfile {
  issuer: ParsedCertificate;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: bigint;
  revoked: ReadonlyArray<{ serial: Buffer; revokedAt: Date }>;
}

/** A v2 CRL (RFC 5280 §5) with authorityKeyIdentifier and cRLNumber, signed by the issuing CA. */
export async function issueCrl(profile: CrlProfile, signer: RawSigner): Promise<Buffer> {
  const algorithm = signatureAlgorithmId(signer.algorithm);
  const authorityKeyId = profile.issuer.subjectKeyId ?? keyIdentifier(profile.issuer.spki);
  const entries = profile.revoked.map((entry) => seq(int(entry.serial), x509Time(entry.revokedAt)));
  const tbs = seq(
    int(1),
    algorithm,
    profile.issuer.subject,
    x509Time(profile.thisUpdate),
    x509Time(profile.nextUpdate),
    ...(entries.length > 0 ? [seq(...entries)] : []),
    ctx(
      0,
      seq(
        extension(OID.authorityKeyIdentifier, false, seq(ctxPrim(0, authorityKeyId))),
        extension(OID.crlNumber, false, int(profile.crlNumber)),
      ),
    ),
  );
  return seq(tbs, algorithm, bits(await signer.sign(tbs)));
}

export interface ParsedCrl {
  der: Buffer;
  issuer: Buffer;
  thisUpdate: Date;
  nextUpdate?: Date;
  revokedSerials: Set<string>;
}

export function parseCrl(der: Uint8Array): ParsedCrl {
  const [tbs] = children(read(der));
  const fields = children(tbs!);
  const offset = fields[0]!.tag === TAG.INTEGER ? 1 : 0;
  const issuer = fields[offset + 1]!;
  const thisUpdate = readTime(fields[offset + 2]!);
  const maybeNext = fields[offset + 3];
  const nextUpdate =
    maybeNext && (maybeNext.tag === TAG.UTC_TIME || maybeNext.tag === TAG.GENERALIZED_TIME) ? readTime(maybeNext) : undefined;
  const revokedSerials = new Set<string>();
  const list = fields.find((f, i) => i > offset + 2 && f.tag === TAG.SEQUENCE);
  if (list) for (const entry of children(list)) revokedSerials.add(children(entry)[0]!.value.toString('hex'));
  return { der: Buffer.from(read(der).raw), issuer: Buffer.from(issuer.raw), thisUpdate, ...(nextUpdate ? { nextUpdate } : {}), revokedSerials };
}

/** The public key of a certificate as Node reads it. */
export const certificatePublicKey = (cert: ParsedCertificate): KeyObject =>
  createPublicKey({ key: cert.spki, format: 'der', type: 'spki' });

export const pemOf = (der: Uint8Array, label = 'CERTIFICATE'): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

export const derOfPem = (pem: string): Buffer =>
  Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');

/**
 * A PKCS #10 certification request (RFC 2986) for a CA key held elsewhere (KMS): what an operator sends to a real CA
 * to have the seal's issuing CA certified as its subordinate. Requests CA:true, pathLen 0, keyCertSign + cRLSign.
 */
export async function certificationRequest(options: { subject: readonly NamePart[]; publicKey: KeyObject }, signer: RawSigner): Promise<Buffer> {
  const requested = seq(
    extension(OID.basicConstraints, true, seq(bool(true), int(0))),
    extension(OID.keyUsage, true, bits(Buffer.from([0x06]), 1)),
  );
  const info = seq(
    int(0),
    encodeName(options.subject),
    options.publicKey.export({ type: 'spki', format: 'der' }),
    // attributes [0]: extensionRequest (PKCS #9).
    ctx(0, seq(oid('1.2.840.113549.1.9.14'), setOf(requested))),
  );
  const algorithm = signatureAlgorithmId(signer.algorithm);
  return seq(info, algorithm, bits(await signer.sign(info)));
}
