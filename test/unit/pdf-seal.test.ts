import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { renderSignedCertificate } from '../../shared/pdf/signed-certificate';
import { CMS_OID, parseSignedData, sha256 } from '../../shared/signing/cades';
import { checkPdfSignature } from '../../shared/signing/verify-pdf';
import { parseTimestampToken } from '../../shared/signing/timestamp';
import { pemOf } from '../../shared/signing/x509';
import { benchInput, NAMES } from '../bench/inputs';
import {
  mutoolVerify,
  opensslCmsVerify,
  opensslTsText,
  opensslTsVerify,
  opensslVerifyChain,
  pdfsig,
  qpdfCheck,
  qpdfJson,
  signatureParts,
} from '../support/pdf-checkers';
import { paintOverName } from '../support/pdf-forgery';
import { testSeal, type TestSeal } from '../support/sealer';

/**
 * The sealed PDF (PAdES B-LT certification signature) checked by tools nobody on the project wrote, and by the
 * service's own check, fresh and after tampering.
 */
let seal: TestSeal;
let pdf: Uint8Array;
const input = benchInput(NAMES.extB, 7);

beforeAll(async () => {
  seal = await testSeal();
  pdf = await renderSignedCertificate(input, seal.sealer);
});

const caPem = () => pemOf(seal.ca.certificate.der);
const token = () => {
  const signed = parseSignedData(signatureParts(pdf).cms);
  const info = signed.signerInfos[0]!;
  return { token: info.unsigned.get(CMS_OID.signatureTimeStampToken)![0]!.raw, signature: info.signature, signed };
};

describe('the sealed PDF, by independent tools', () => {
  it('poppler pdfsig: ETSI.CAdES.detached over the total document, signature valid', () => {
    const out = pdfsig(pdf);
    expect(out).toContain('Signature Type: ETSI.CAdES.detached');
    expect(out).toContain('Total document signed');
    expect(out).toContain('Signature Validation: Signature is Valid.');
    expect(out).toContain('Signer Certificate Common Name: ecert 电子证书签章');
  });

  it('qpdf --check exits 0 (xref and startxref exact)', () => {
    const check = qpdfCheck(pdf);
    expect(check.output).toContain('No syntax or stream encoding errors found');
    expect(check.code).toBe(0);
  });

  it('MuPDF: the signature is valid and the document unchanged since signing', () => {
    expect(mutoolVerify(pdf)).toContain('The document is unchanged since signing.');
  });

  it('OpenSSL cms -verify: the detached CMS verifies over the signed byte ranges, chaining to the issuing CA', () => {
    const result = opensslCmsVerify(pdf, caPem());
    expect(result.output).toContain('Verification successful');
    expect(result.code).toBe(0);
  });

  it('OpenSSL ts -verify: the RFC 3161 token covers the signature value and chains to the TSA root', () => {
    const { token: der, signature } = token();
    const result = opensslTsVerify(der, sha256(signature).toString('hex'), pemOf(seal.tsa.root.der));
    expect(result.output).toContain('Verification: OK');
    // …and not any digest: one bit off fails.
    const wrong = Buffer.from(sha256(signature));
    wrong[0]! ^= 1;
    expect(opensslTsVerify(der, wrong.toString('hex'), pemOf(seal.tsa.root.der)).output).not.toContain('Verification: OK');
    expect(opensslTsText(der)).toMatch(/TSA: DirName:\/C=CN\/O=ecert local test TSA\/CN=ecert local TSA/);
  });

  it('the container certificate chains to the issuing CA (openssl verify), with EKU, AKI and the stack’s CRL URL', () => {
    const leaf = new X509Certificate(seal.sealer.key.certificate.der);
    expect(opensslVerifyChain(leaf.toString(), caPem()).output).toContain(': OK');
    const text = leaf.toLegacyObject() as unknown as { ext_key_usage?: string[]; infoAccess?: Record<string, string[]> };
    expect(text.ext_key_usage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.36']));
    expect(leaf.ca).toBe(false);
    expect(new Date(leaf.validTo).getTime() - new Date(leaf.validFrom).getTime()).toBeLessThanOrEqual(9 * 3600_000);
  });

  it('qpdf: /Reason and /Name are the Chinese text (UTF-16BE once), DocMDP P=1, DSS with certificates and CRLs, PDF/A parts', () => {
    const { objects } = qpdfJson(pdf);
    const values = Object.values(objects) as Array<Record<string, unknown>>;
    const sig = values.find((o) => o?.['/Type'] === '/Sig')!;
    expect(sig['/Reason']).toBe('u:电子证书加注：本人调用');
    expect(sig['/Name']).toBe(`u:${input.qualification.sealName}`);
    expect(sig['/SubFilter']).toBe('/ETSI.CAdES.detached');
    expect(JSON.stringify(sig['/Reference'])).toMatch(/"\/P":1/);
    const catalog = values.find((o) => o?.['/Type'] === '/Catalog')!;
    expect(catalog['/Perms']).toMatchObject({ '/DocMDP': expect.any(String) });
    expect(catalog['/Lang']).toBe('u:zh-CN');
    expect(catalog['/MarkInfo']).toEqual({ '/Marked': true });
    expect(catalog).toHaveProperty('/StructTreeRoot');
    expect(catalog).toHaveProperty('/OutputIntents');
    expect(catalog).toHaveProperty('/AF');
    const dss = values.find((o) => o?.['/Type'] === '/DSS')!;
    expect((dss['/Certs'] as unknown[]).length).toBe(4);
    expect((dss['/CRLs'] as unknown[]).length).toBe(2);
    const fonts = values.filter((o) => o?.['/Type'] === '/Font' && o['/Subtype'] === '/Type0');
    expect(fonts.length).toBeGreaterThan(0);
    for (const font of fonts) expect(font['/BaseFont']).toMatch(/^\/[A-Z]{6}\+/);
  });

  it('is at most 80 KB', () => {
    expect(pdf.length).toBeLessThanOrEqual(80 * 1024);
  });
});

describe('the service’s own PAdES check', () => {
  it('reads B-LT: CAdES with signing-certificate-v2, a valid time-stamp, certification respected, revocation data for signer and TSA', () => {
    const check = checkPdfSignature(pdf);
    expect(check).toMatchObject({
      signed: true,
      subFilter: 'ETSI.CAdES.detached',
      coverage: 'WHOLE_FILE',
      digestMatches: true,
      signatureValid: true,
      modifiedAfterSigning: false,
      signingCertificateBound: true,
      certification: { permission: 1, respected: true },
      dss: { signerRevocationData: true, timestampRevocationData: true },
      padesLevel: 'B-LT',
      signerFingerprint: seal.sealer.fingerprint,
    });
    expect(check.timestamp?.valid).toBe(true);
    expect(Math.abs(Date.parse(check.timestamp!.time) - Date.now())).toBeLessThan(5 * 60_000);
    // No signing-time attribute: the claimed time is /M only.
    expect(token().signed.signerInfos[0]!.attributes.has(CMS_OID.signingTime)).toBe(false);
    expect(parseTimestampToken(token().token).digest.equals(sha256(token().signature))).toBe(true);
  });

  it('detects one changed byte, an incremental update painting another name, and a rewritten copy', async () => {
    // One byte inside the signed range.
    const flipped = new Uint8Array(pdf);
    flipped[3000] = flipped[3000]! ^ 1;
    expect(checkPdfSignature(flipped)).toMatchObject({ digestMatches: false });

    // An incremental update that paints another name over the holder's (the page gets one more content stream).
    const painted = paintOverName(pdf);
    const paintedCheck = checkPdfSignature(painted);
    expect(paintedCheck).toMatchObject({ signatureValid: true, modifiedAfterSigning: true, certification: { respected: false } });
    expect(pdfsig(painted)).toContain('Not total document signed');
    expect(qpdfCheck(painted).code).toBe(0);

    // A rewritten copy (qpdf re-serialises every object): the byte ranges no longer match.
    const { execFileSync } = await import('node:child_process');
    const { tempFile } = await import('../support/pdf-checkers');
    const source = tempFile('in.pdf', pdf);
    const out = `${source}.rewritten.pdf`;
    execFileSync('qpdf', ['--object-streams=disable', source, out]);
    const { readFileSync } = await import('node:fs');
    const rewritten = checkPdfSignature(readFileSync(out));
    expect(rewritten.digestMatches && rewritten.coverage === 'WHOLE_FILE' && !rewritten.modifiedAfterSigning).toBe(false);
  });
});

describe('the embedded W3C credential', () => {
  it('is a vc+jwt verified by another library (jsonwebtoken) with the key of its x5c chain to the issuing CA', () => {
    const check = checkPdfSignature(pdf);
    const credential = check.credentialJwt!;
    const header = JSON.parse(Buffer.from(credential.split('.')[0]!, 'base64url').toString()) as { typ: string; x5c: string[]; alg: string };
    expect(header).toMatchObject({ typ: 'vc+jwt', alg: 'ES256' });
    const [leafB64, caB64] = header.x5c;
    const leaf = new X509Certificate(Buffer.from(leafB64!, 'base64'));
    // The chain: OpenSSL, with the issuing CA as the only anchor.
    expect(Buffer.from(caB64!, 'base64').equals(seal.ca.certificate.der)).toBe(true);
    expect(opensslVerifyChain(leaf.toString(), caPem()).output).toContain(': OK');
    // The signature: jsonwebtoken (jws), not the JWS writer that signed it (shared/credentials/credential.ts).
    const payload = jwt.verify(credential, leaf.publicKey.export({ type: 'spki', format: 'pem' }).toString(), {
      algorithms: ['ES256'],
      ignoreExpiration: true,
    }) as Record<string, unknown>;
    expect(payload).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'AnnotatedQualificationCertificate'],
      validFrom: input.annotation.validFrom,
      validUntil: input.annotation.validUntil,
      credentialSubject: { name: input.certificate.holderName, certificateNumber: input.certificate.certId },
      credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' },
    });
    // A tampered payload does not verify.
    const [h, p, s] = credential.split('.');
    const forged = Buffer.from(JSON.stringify({ ...payload, credentialSubject: { name: '李四' } })).toString('base64url');
    expect(() => jwt.verify(`${h}.${forged}.${s}`, leaf.publicKey.export({ type: 'spki', format: 'pem' }).toString(), { algorithms: ['ES256'] })).toThrow();
    expect(p).toBeTruthy();
  });
});
