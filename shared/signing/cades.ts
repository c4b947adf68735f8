import { createHash } from 'node:crypto';
import { ctx, int, octets, oid, read, children, readOid, seq, setOf, tlv, TAG, type Node } from './der';
import { OID as X509_OID, signatureAlgorithmId, type ParsedCertificate, type RawSigner } from './x509';

/**
 * CAdES detached signatures (ETSI EN 319 122-1) as PAdES baseline wants them in a PDF (ETSI EN 319 142-1 §6.3):
 * signed attributes content-type, message-digest and signing-certificate-v2 — and no signing-time, the claimed time
 * lives in the signature dictionary's /M — then an RFC 3161 signature time-stamp as an unsigned attribute (B-T).
 */
export const CMS_OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
} as const;

export const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

const attribute = (type: string, value: Buffer) => seq(oid(type), setOf(value));

/** ESS signing-certificate-v2 (RFC 5035): the signer certificate's SHA-256 (the default algorithm, so omitted) and issuer/serial. */
export function signingCertificateV2(cert: ParsedCertificate): Buffer {
  const issuerSerial = seq(seq(ctx(4, cert.issuer)), cert.serial);
  return attribute(CMS_OID.signingCertificateV2, seq(seq(seq(octets(sha256(cert.der)), issuerSerial))));
}

export interface SignerCredential {
  certificate: ParsedCertificate;
  /** Certificates a verifier needs to build the path (issuing CA, intermediates), leaf excluded. */
  chain: readonly ParsedCertificate[];
  signer: RawSigner;
}

export interface SignedDataParts {
  /** Which content type the signature claims (id-data for a PDF, id-ct-TSTInfo for a timestamp token). */
  contentType: string;
  /** Encapsulated content (a timestamp token); absent for a detached signature. */
  content?: Buffer;
  contentDigest: Buffer;
  credential: SignerCredential;
  /** Extra signed attributes, already encoded (Attribute SEQUENCEs). */
  extraSignedAttributes?: Buffer[];
}

export interface SignerInfoResult {
  signedAttributes: Buffer;
  signature: Buffer;
}

/** Signs the attributes; returns the pieces `assembleSignedData` puts together (so a timestamp can be added first). */
export async function signAttributes(parts: SignedDataParts): Promise<SignerInfoResult> {
  const signedAttributes = setOf(
    attribute(CMS_OID.contentType, oid(parts.contentType)),
    attribute(CMS_OID.messageDigest, octets(parts.contentDigest)),
    signingCertificateV2(parts.credential.certificate),
    ...(parts.extraSignedAttributes ?? []),
  );
  // RFC 5652 §5.4: the signature is over the DER SET OF, not the [0] IMPLICIT form it takes in SignerInfo.
  return { signedAttributes, signature: await parts.credential.signer.sign(signedAttributes) };
}

export function assembleSignedData(parts: SignedDataParts, signed: SignerInfoResult, unsignedAttributes: Buffer[] = []): Buffer {
  const { certificate, chain, signer } = parts.credential;
  const implicitSigned = Buffer.concat([Buffer.from([0xa0]), signed.signedAttributes.subarray(1)]);
  const signerInfo = seq(
    int(1),
    seq(certificate.issuer, certificate.serial),
    seq(oid(X509_OID.sha256)),
    implicitSigned,
    signatureAlgorithmId(signer.algorithm),
    octets(signed.signature),
    ...(unsignedAttributes.length > 0 ? [ctx(1, ...unsignedAttributes)] : []),
  );
  const encapsulated = parts.content
    ? seq(oid(parts.contentType), ctx(0, octets(parts.content)))
    : seq(oid(parts.contentType));
  const signedData = seq(
    int(parts.content ? 3 : 1),
    setOf(seq(oid(X509_OID.sha256))),
    encapsulated,
    ctx(0, certificate.der, ...chain.map((c) => c.der)),
    tlv(TAG.SET, signerInfo),
  );
  return seq(oid(CMS_OID.signedData), ctx(0, signedData));
}

export const timestampAttribute = (token: Buffer): Buffer => attribute(CMS_OID.signatureTimeStampToken, token);

// ---------------------------------------------------------------------------------------------------------------
// Reading (verification)

export interface ParsedSignerInfo {
  issuer: Buffer;
  serial: Buffer;
  digestAlgorithm: string;
  signedAttributesDer?: Buffer;
  attributes: Map<string, Node[]>;
  signatureAlgorithm: string;
  signature: Buffer;
  unsigned: Map<string, Node[]>;
}

export interface ParsedSignedData {
  contentType: string;
  content?: Buffer;
  certificates: Buffer[];
  signerInfos: ParsedSignerInfo[];
}

function readAttributes(set: Node): Map<string, Node[]> {
  const map = new Map<string, Node[]>();
  for (const attr of children(set)) {
    const [type, values] = children(attr);
    map.set(readOid(type!), children(values!));
  }
  return map;
}

export function parseSignedData(der: Uint8Array): ParsedSignedData {
  const [type, wrapped] = children(read(der));
  if (readOid(type!) !== CMS_OID.signedData) throw new Error('not a CMS SignedData');
  const fields = children(children(wrapped!)[0]!);
  const [, , encap, ...rest] = fields;
  const encapParts = children(encap!);
  const content = encapParts[1] ? children(encapParts[1])[0]!.value : undefined;
  const certificates = rest.filter((n) => n.tag === 0xa0).flatMap((n) => children(n).map((c) => Buffer.from(c.raw)));
  const signerSet = rest[rest.length - 1]!;
  const signerInfos = children(signerSet).map((si): ParsedSignerInfo => {
    const parts = children(si);
    const sid = children(parts[1]!);
    let i = 3;
    let signedAttributesDer: Buffer | undefined;
    let attributes = new Map<string, Node[]>();
    if (parts[i]!.tag === 0xa0) {
      signedAttributesDer = Buffer.concat([Buffer.from([TAG.SET]), parts[i]!.raw.subarray(1)]);
      attributes = readAttributes(parts[i]!);
      i++;
    }
    const signatureAlgorithm = readOid(children(parts[i]!)[0]!);
    const signature = Buffer.from(parts[i + 1]!.value);
    const unsigned = parts[i + 2]?.tag === 0xa1 ? readAttributes(parts[i + 2]!) : new Map<string, Node[]>();
    return {
      issuer: Buffer.from(sid[0]!.raw),
      serial: Buffer.from(sid[1]!.raw),
      digestAlgorithm: readOid(children(parts[2]!)[0]!),
      ...(signedAttributesDer ? { signedAttributesDer } : {}),
      attributes,
      signatureAlgorithm,
      signature,
      unsigned,
    };
  });
  return {
    contentType: readOid(encapParts[0]!),
    ...(content ? { content: Buffer.from(content) } : {}),
    certificates,
    signerInfos,
  };
}
