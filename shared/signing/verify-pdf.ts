import { createHash, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { CMS_OID, parseSignedData, sha256, signingCertificateV2, type ParsedSignedData } from './cades';
import { describeName, parseTimestampToken } from './timestamp';
import { parseCertificate, parseCrl, type ParsedCertificate } from './x509';
import { CREDENTIAL_FILENAME } from '../credentials/credential';

/**
 * The service's own PAdES check of an uploaded PDF, in the terms a validator uses (compare pyHanko's
 * sign/validation and diff_analysis): the signature's byte range and what follows it, the CAdES attributes, the
 * RFC 3161 signature time-stamp, DocMDP certification, the DSS, and the embedded credential. Answers facts and never
 * throws on hostile input; the route combines them with the verification record.
 */
export type PadesLevel = 'B-B' | 'B-T' | 'B-LT';
export type Coverage = 'WHOLE_FILE' | 'REVISION' | 'PARTIAL';

export interface PdfSignatureCheck {
  signed: boolean;
  subFilter?: string;
  coverage?: Coverage;
  /** SHA-256 of the byte ranges equals the signed message digest. */
  digestMatches: boolean;
  /** The signature over the signed attributes verifies with the signer certificate. */
  signatureValid: boolean;
  /** Updates after the signed revision that change anything but the DSS (a painted-over name, a new page…). */
  modifiedAfterSigning: boolean;
  signerFingerprint?: string;
  signerName?: string;
  /** The claimed signing time (/M of the signature dictionary). */
  claimedSigningTime?: string;
  /** signing-certificate-v2 present and naming the signer certificate (PAdES baseline). */
  signingCertificateBound: boolean;
  timestamp?: { time: string; tsa: string; valid: boolean };
  certification?: { permission: number; respected: boolean };
  dss?: { certificates: number; crls: number; signerRevocationData: boolean; timestampRevocationData: boolean };
  padesLevel?: PadesLevel;
  /** The embedded credential (compact JWS), when the signed revision has one. */
  credentialJwt?: string;
}

const NOT_SIGNED: PdfSignatureCheck = {
  signed: false,
  digestMatches: false,
  signatureValid: false,
  modifiedAfterSigning: false,
  signingCertificateBound: false,
};

function verifySignature(cert: ParsedCertificate, data: Buffer, signature: Buffer): boolean {
  const key = createPublicKey({ key: cert.spki, format: 'der', type: 'spki' });
  return verify('sha256', data, key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'der' } : key, signature);
}

/** The certificate a SignerInfo names (issuer and serial). */
function signerCertificate(signed: ParsedSignedData): ParsedCertificate | undefined {
  const info = signed.signerInfos[0];
  if (!info) return undefined;
  for (const der of signed.certificates) {
    const cert = parseCertificate(der);
    if (cert.serial.equals(info.serial) && cert.issuer.equals(info.issuer)) return cert;
  }
  return undefined;
}

/** CMS signed-attribute check shared by the document signature and the time-stamp token. */
function checkSignerInfo(signed: ParsedSignedData, contentDigest: Buffer): { cert?: ParsedCertificate; digestMatches: boolean; valid: boolean; bound: boolean } {
  const info = signed.signerInfos[0];
  const cert = signerCertificate(signed);
  if (!info || !cert || !info.signedAttributesDer) return { digestMatches: false, valid: false, bound: false };
  const digest = info.attributes.get(CMS_OID.messageDigest)?.[0]?.value;
  const digestMatches = digest !== undefined && Buffer.from(digest).equals(contentDigest);
  const valid = verifySignature(cert, info.signedAttributesDer, info.signature);
  const v2 = info.attributes.get(CMS_OID.signingCertificateV2)?.[0];
  // signingCertificateV2 value as we would encode it for this certificate (SHA-256, issuer/serial).
  const bound = v2 !== undefined && signingCertificateV2(cert).includes(v2.raw);
  return { cert, digestMatches, valid, bound };
}

interface Revision {
  /** Offset just past this revision's %%EOF (and its end-of-line). */
  end: number;
  start: number;
}

function revisions(text: string): Revision[] {
  const out: Revision[] = [];
  let start = 0;
  for (const match of text.matchAll(/%%EOF(\r\n|\r|\n)?/g)) {
    const end = match.index + match[0].length;
    out.push({ start, end });
    start = end;
  }
  return out;
}

/**
 * An update is "validation data only" when every object it writes is new and is a stream or the DSS dictionary,
 * except the catalog, rewritten with nothing changed but /DSS added (pyHanko's LTA_UPDATES level).
 */
function onlyValidationData(signedPart: string, update: string): boolean {
  const objects = [...update.matchAll(/(\d+) 0 obj\b([\s\S]*?)endobj/g)];
  const rootNumber = /\/Root (\d+) 0 R/.exec(update)?.[1];
  for (const [, number, body] of objects) {
    const existedBefore = new RegExp(`(^|\\s)${number} 0 obj\\b`).test(signedPart);
    if (number === rootNumber) {
      const previous = new RegExp(`(?:^|\\s)${number} 0 obj\\b([\\s\\S]*?)endobj`).exec(signedPart)?.[1];
      const normalise = (dict: string) => dict.replace(/\/DSS \d+ 0 R/, '').replace(/\s+/g, '');
      if (!previous || normalise(previous) !== normalise(body!)) return false;
      continue;
    }
    if (existedBefore) return false;
    const isStream = /^\s*<<[^]*?>>\s*stream\r?\n/.test(body!);
    const isDss = /^\s*<<\s*\/Type \/DSS\b/.test(body!);
    if (!isStream && !isDss) return false;
    // A stream that is not referenced by /DSS could be page content: only certificates and CRLs are allowed.
    if (isStream && !new RegExp(`\\/(?:Certs|CRLs|OCSPs) \\[[^\\]]*\\b${number} 0 R`).test(update)) return false;
  }
  return objects.length > 0;
}

/**
 * The objects inside object streams (ISO 32000 §7.5.7), written out as `N 0 obj … endobj` text, so the dictionary
 * checks below read a compressed file like a plain one.
 */
export function expandObjectStreams(text: string): string {
  let out = '';
  for (const match of text.matchAll(/<<((?:(?!stream)[\s\S])*?\/Type\s*\/ObjStm[\s\S]*?)>>\s*stream\r?\n/g)) {
    const dict = match[1]!;
    const length = Number(/\/Length\s+(\d+)/.exec(dict)?.[1]);
    const first = Number(/\/First\s+(\d+)/.exec(dict)?.[1]);
    if (!length || !first) continue;
    const start = match.index + match[0].length;
    let data: string;
    try {
      data = inflateSync(Buffer.from(text.slice(start, start + length), 'latin1')).toString('latin1');
    } catch {
      continue;
    }
    const header = data.slice(0, first).trim().split(/\s+/).map(Number);
    for (let i = 0; i + 1 < header.length; i += 2) {
      const bodyStart = first + header[i + 1]!;
      const bodyEnd = i + 3 < header.length ? first + header[i + 3]! : data.length;
      out += `\n${header[i]} 0 obj\n${data.slice(bodyStart, bodyEnd)}\nendobj\n`;
    }
  }
  return out;
}

function dssObjects(text: string, dictionaries: string): { certificates: Buffer[]; crls: Buffer[] } {
  const dss = /\/Type\s*\/DSS\s*\/Certs\s*\[([^\]]*)\]\s*\/CRLs\s*\[([^\]]*)\]/.exec(dictionaries);
  if (!dss) return { certificates: [], crls: [] };
  const stream = (ref: string): Buffer | undefined => {
    const number = ref.split(' ')[0];
    const match = new RegExp(`(?:^|\\s)${number} 0 obj\\s*<<\\s*/Length (\\d+)\\s*>>\\s*stream\\r?\\n`).exec(text);
    if (!match) return undefined;
    const start = match.index + match[0].length;
    return Buffer.from(text.slice(start, start + Number(match[1])), 'latin1');
  };
  const refs = (list: string) => [...list.matchAll(/\d+ 0 R/g)].map((m) => stream(m[0])).filter((b): b is Buffer => b !== undefined);
  return { certificates: refs(dss[1]!), crls: refs(dss[2]!) };
}

/** The embedded credential of the signed revision (the EmbeddedFile stream the file spec names). */
function embeddedCredential(signedPart: string, dictionaries: string): string | undefined {
  if (!dictionaries.includes(`(${CREDENTIAL_FILENAME})`)) return undefined;
  const match = /\/Type \/EmbeddedFile\b[^]*?\/Length (\d+)[^]*?>>\s*stream\r?\n/.exec(signedPart);
  if (!match) return undefined;
  const start = match.index + match[0].length;
  const raw = Buffer.from(signedPart.slice(start, start + Number(match[1])), 'latin1');
  const header = signedPart.slice(match.index, start);
  try {
    return (header.includes('/FlateDecode') ? inflateSync(raw) : raw).toString('utf8');
  } catch {
    return undefined;
  }
}

export function checkPdfSignature(pdf: Uint8Array): PdfSignatureCheck {
  try {
    const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
    const text = bytes.toString('latin1');
    const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
    const last = ranges[ranges.length - 1];
    if (!last) return NOT_SIGNED;
    const [a, b, c, d] = last.slice(1, 5).map(Number) as [number, number, number, number];
    if (a !== 0 || b <= 0 || c < b || c + d > bytes.length) return { ...NOT_SIGNED, signed: true };
    const signedEnd = c + d;
    const dictStart = text.lastIndexOf('<<', last.index);
    const dictText = text.slice(dictStart, text.indexOf('endobj', c));
    const subFilter = /\/SubFilter\s*\/([\w.]+)/.exec(dictText)?.[1];
    const claimed = /\/M\s*\(D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z?\)/.exec(dictText);
    const hex = text.slice(b + 1, c - 1).replace(/(00)+$/, '');
    const cms = Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
    const signed = parseSignedData(cms);
    const contentDigest = createHash('sha256').update(bytes.subarray(a, a + b)).update(bytes.subarray(c, signedEnd)).digest();
    const document = checkSignerInfo(signed, contentDigest);
    const cert = document.cert;

    // What follows the signed revision.
    const revs = revisions(text);
    const signedRevision = revs.findIndex((r) => r.end === signedEnd || r.end === signedEnd + 1);
    const coverage: Coverage = signedEnd === bytes.length ? 'WHOLE_FILE' : signedRevision >= 0 ? 'REVISION' : 'PARTIAL';
    const signedPart = text.slice(0, signedEnd);
    const signedDictionaries = signedPart + expandObjectStreams(signedPart);
    let modifiedAfterSigning = coverage === 'PARTIAL';
    if (coverage === 'REVISION') {
      for (const rev of revs.slice(signedRevision + 1)) {
        if (!onlyValidationData(text.slice(0, rev.start), text.slice(rev.start, rev.end))) modifiedAfterSigning = true;
      }
      // Bytes after the last %%EOF that belong to no revision are a modification too.
      if ((revs[revs.length - 1]?.end ?? 0) < bytes.length && text.slice(revs[revs.length - 1]!.end).trim() !== '') modifiedAfterSigning = true;
    }

    // Signature time-stamp (unsigned attribute) over the signature value.
    let timestamp: PdfSignatureCheck['timestamp'];
    let tsaCert: ParsedCertificate | undefined;
    const info = signed.signerInfos[0]!;
    const tokenNode = info.unsigned.get(CMS_OID.signatureTimeStampToken)?.[0];
    if (tokenNode) {
      const token = parseSignedData(tokenNode.raw);
      const tst = parseTimestampToken(tokenNode.raw);
      const tokenCheck = checkSignerInfo(token, sha256(token.content ?? Buffer.alloc(0)));
      tsaCert = tokenCheck.cert;
      timestamp = {
        time: tst.genTime.toISOString(),
        tsa: tst.tsaSubject ?? 'unknown',
        valid: tokenCheck.valid && tokenCheck.digestMatches && tst.digest.equals(sha256(info.signature)),
      };
    }

    // DocMDP: the catalog's /Perms /DocMDP names this signature dictionary, with /P.
    const permission = Number(/\/TransformMethod\s*\/DocMDP[\s\S]*?\/P\s+(\d)/.exec(dictText)?.[1] ?? 0);
    const sigObject = /(\d+) 0 obj\s*$/.exec(text.slice(Math.max(0, dictStart - 40), dictStart))?.[1];
    const certified = permission > 0 && sigObject !== undefined && new RegExp(`/DocMDP ${sigObject} 0 R`).test(signedDictionaries);
    const certification = certified ? { permission, respected: !modifiedAfterSigning || permission > 1 } : undefined;

    // DSS: certificates and CRLs, and whether they cover the signer's and the TSA's issuers.
    const dssData = dssObjects(text, text + expandObjectStreams(text));
    let dss: PdfSignatureCheck['dss'];
    if (dssData.certificates.length + dssData.crls.length > 0) {
      const crls = dssData.crls.flatMap((der) => {
        try {
          return [parseCrl(der)];
        } catch {
          return [];
        }
      });
      const covered = (leaf?: ParsedCertificate) =>
        leaf !== undefined && crls.some((crl) => crl.issuer.equals(leaf.issuer) && !crl.revokedSerials.has(leaf.serial.subarray(2).toString('hex')));
      dss = {
        certificates: dssData.certificates.length,
        crls: crls.length,
        signerRevocationData: covered(cert),
        timestampRevocationData: covered(tsaCert),
      };
    }

    const signatureOk = document.valid && document.digestMatches;
    let padesLevel: PadesLevel | undefined;
    if (signatureOk && subFilter === 'ETSI.CAdES.detached' && document.bound && !info.attributes.has(CMS_OID.signingTime)) {
      padesLevel = 'B-B';
      if (timestamp?.valid) {
        padesLevel = 'B-T';
        if (dss?.signerRevocationData && dss.timestampRevocationData) padesLevel = 'B-LT';
      }
    }
    const credentialJwt = embeddedCredential(signedPart, signedDictionaries);
    return {
      signed: true,
      ...(subFilter ? { subFilter } : {}),
      coverage,
      digestMatches: document.digestMatches,
      signatureValid: document.valid,
      modifiedAfterSigning,
      ...(cert ? { signerFingerprint: sha256(cert.der).toString('hex'), signerName: commonName(cert) } : {}),
      ...(claimed ? { claimedSigningTime: `${claimed[1]}-${claimed[2]}-${claimed[3]}T${claimed[4]}:${claimed[5]}:${claimed[6]}Z` } : {}),
      signingCertificateBound: document.bound,
      ...(timestamp ? { timestamp } : {}),
      ...(certification ? { certification } : {}),
      ...(dss ? { dss } : {}),
      ...(padesLevel ? { padesLevel } : {}),
      ...(credentialJwt ? { credentialJwt } : {}),
    };
  } catch {
    return { ...NOT_SIGNED, signed: true };
  }
}

function commonName(cert: ParsedCertificate): string {
  const name = describeName(cert.subject);
  return /CN=([^,]+)/.exec(name)?.[1] ?? name;
}

/** The CA certificates a signature's CMS carries (for checking the embedded credential against the same chain). */
export function signatureChain(pdf: Uint8Array): X509Certificate[] {
  try {
    const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
    const last = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)].pop();
    if (!last) return [];
    const hex = text.slice(Number(last[2]) + 1, Number(last[3]) - 1).replace(/(00)+$/, '');
    return parseSignedData(Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex')).certificates.map((der) => new X509Certificate(der));
  } catch {
    return [];
  }
}

