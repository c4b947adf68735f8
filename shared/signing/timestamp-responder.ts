import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { children, ctx, generalizedTime, int, oid, read, readInteger, readOid, seq, TAG } from './der';
import { assembleSignedData, CMS_OID, sha256, signAttributes, type SignerCredential } from './cades';
import { OID, issueCertificate, issueCrl, keySigner, parseCertificate, type ParsedCertificate } from './x509';
import type { TimestampAuthority } from './timestamp';

/**
 * An RFC 3161 time-stamping authority: parses a TimeStampReq, answers a TimeStampResp whose token is a CMS
 * SignedData over a TSTInfo (RFC 3161 §2.4.2) with an ESS signing-certificate-v2 attribute (RFC 5816). The local
 * stack serves it over HTTP (local/tsa-server.ts); the render benchmark calls it in process. Production uses a
 * qualified TSA instead (`ECERT_TSA_URL`).
 */
export interface TimestampResponder {
  respond(request: Uint8Array): Promise<Buffer>;
  /** A token for a digest without the HTTP envelope (benchmarks: the TSA's work without the round trip). */
  token(digest: Buffer, nonce?: bigint): Promise<Buffer>;
}

/** A policy OID under the 2.25 (UUID) arc: nobody else's policy. */
export const LOCAL_TSA_POLICY = '2.25.329800735698586629295641978511506172918';

export function createTimestampResponder(options: {
  credential: SignerCredential;
  policy?: string;
  now?: () => Date;
}): TimestampResponder {
  const policy = options.policy ?? LOCAL_TSA_POLICY;
  const now = options.now ?? (() => new Date());

  const token = async (digest: Buffer, nonce?: bigint): Promise<Buffer> => {
    const tstInfo = seq(
      int(1),
      oid(policy),
      seq(seq(oid(OID.sha256)), tlvOctets(digest)),
      int(BigInt(`0x${randomBytes(12).toString('hex')}`)),
      generalizedTime(now(), true),
      // accuracy: 1 second
      seq(int(1)),
      ...(nonce !== undefined ? [int(nonce)] : []),
      // tsa [0] GeneralName: directoryName [4] of the TSA certificate's subject.
      ctx(0, ctx(4, options.credential.certificate.subject)),
    );
    const parts = { contentType: CMS_OID.tstInfo, content: tstInfo, contentDigest: sha256(tstInfo), credential: options.credential };
    return assembleSignedData(parts, await signAttributes(parts));
  };

  return {
    token,
    async respond(request) {
      try {
        const fields = children(read(request));
        const imprint = children(fields[1]!);
        const algorithm = readOid(children(imprint[0]!)[0]!);
        const digest = Buffer.from(imprint[1]!.value);
        if (algorithm !== OID.sha256 || digest.length !== 32) return rejection(0 /* badAlg */);
        const nonceNode = fields.slice(2).find((n) => n.tag === TAG.INTEGER);
        const granted = await token(digest, nonceNode ? readInteger(nonceNode) : undefined);
        return seq(seq(int(0)), granted);
      } catch {
        return rejection(2 /* badDataFormat */);
      }
    },
  };
}

const tlvOctets = (bytes: Buffer) => Buffer.concat([Buffer.from([TAG.OCTET_STRING, bytes.length]), bytes]);

/** PKIStatus rejection (2) with one PKIFailureInfo bit set. */
function rejection(failureBit: number): Buffer {
  const byte = 0x80 >> failureBit;
  return seq(seq(int(2), Buffer.from([TAG.BIT_STRING, 2, 7 - failureBit, byte])));
}

/** A TSA called in process (benchmarks, unit tests): the real token, no network. */
export const inProcessAuthority = (responder: TimestampResponder, name = 'in-process TSA'): TimestampAuthority => ({
  name,
  timestamp: (digest) => responder.token(digest),
});

/** The local TSA's PKI: a root, the TSA certificate it issued, and the root's CRL, all as DER. */
export interface TsaMaterial {
  rootPrivateKeyPem: string;
  rootCertificate: string;
  tsaPrivateKeyPem: string;
  tsaCertificate: string;
}

export async function generateTsaMaterial(
  options: { crlUrl?: string; rootUrl?: string; organization?: string } = {},
): Promise<TsaMaterial> {
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tsa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const organization = options.organization ?? 'ecert local test TSA';
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
  const rootDer = await issueCertificate(
    { subject: [['C', 'CN'], ['O', organization], ['CN', 'ecert local TSA root']], publicKey: root.publicKey, notBefore, notAfter, kind: 'ca' },
    keySigner(root.privateKey),
  );
  const tsaDer = await issueCertificate(
    {
      subject: [['C', 'CN'], ['O', organization], ['CN', 'ecert local TSA']],
      issuer: parseCertificate(rootDer),
      publicKey: tsa.publicKey,
      notBefore,
      notAfter,
      kind: 'timestamping',
      ...(options.crlUrl ? { crlUrl: options.crlUrl } : {}),
      ...(options.rootUrl ? { issuerCertificateUrl: options.rootUrl } : {}),
    },
    keySigner(root.privateKey),
  );
  const pem = (key: typeof root.privateKey) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    rootPrivateKeyPem: pem(root.privateKey),
    rootCertificate: rootDer.toString('base64'),
    tsaPrivateKeyPem: pem(tsa.privateKey),
    tsaCertificate: tsaDer.toString('base64'),
  };
}

export interface LoadedTsa {
  responder: TimestampResponder;
  root: ParsedCertificate;
  certificate: ParsedCertificate;
  /** A fresh CRL of the root (the TSA certificate not revoked), valid for a day. */
  crl(now?: Date): Promise<Buffer>;
}

export async function loadTsa(material: TsaMaterial): Promise<LoadedTsa> {
  const { createPrivateKey } = await import('node:crypto');
  const root = parseCertificate(Buffer.from(material.rootCertificate, 'base64'));
  const certificate = parseCertificate(Buffer.from(material.tsaCertificate, 'base64'));
  const rootSigner = keySigner(createPrivateKey(material.rootPrivateKeyPem));
  const responder = createTimestampResponder({
    credential: { certificate, chain: [], signer: keySigner(createPrivateKey(material.tsaPrivateKeyPem)) },
  });
  let cached: { der: Buffer; until: number } | undefined;
  return {
    responder,
    root,
    certificate,
    async crl(now = new Date()) {
      if (!cached || cached.until < now.getTime() + 3600_000) {
        const thisUpdate = new Date(now.getTime() - 60_000);
        const nextUpdate = new Date(now.getTime() + 86_400_000);
        cached = {
          der: await issueCrl({ issuer: root, thisUpdate, nextUpdate, crlNumber: BigInt(Math.floor(now.getTime() / 1000)), revoked: [] }, rootSigner),
          until: nextUpdate.getTime(),
        };
      }
      return cached.der;
    },
  };
}

