import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ddb } from '../../shared/aws/clients';
import { isRevoked } from '../../shared/credentials/status-list';
import { formatVerificationCode } from '../../shared/domain/annotation';
import { revokeCertificate } from '../../shared/repository/certificates';
import { keys } from '../../shared/resources/table';
import { CMS_OID, parseSignedData, sha256 } from '../../shared/signing/cades';
import { checkPdfSignature } from '../../shared/signing/verify-pdf';
import { pemOf } from '../../shared/signing/x509';
import { issueAnnotatedPdf, type IssuedPdf } from '../support/issue-pdf';
import { startTestStack, type TestStack } from '../support/local-stack';
import { opensslCmsVerify, opensslTsVerify, pdfsig, qpdfCheck, signatureParts, tempFile } from '../support/pdf-checkers';
import { paintOverName } from '../support/pdf-forgery';

/**
 * The seal end to end on the local stack: PDFs made by the real render consumer (file-key issuing CA, the local RFC
 * 3161 TSA), checked by independent tools and by `POST /v1/verify/document`, the public trust material, the status
 * list after a revocation, and verification codes as people type them.
 */
let stack: TestStack;

type Issued = IssuedPdf;

beforeAll(async () => {
  stack = await startTestStack({ pollIdleDelayMs: 20 });
});
afterAll(async () => {
  await stack?.stop();
});

const issue = (holderName?: string) => issueAnnotatedPdf(stack, holderName);

const postDocument = async (pdf: Uint8Array) =>
  (await (await stack.api('/v1/verify/document', { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: pdf })).json()) as Record<
    string,
    unknown
  >;

const caPem = async () => {
  const response = await stack.api('/v1/pki/ca.crt');
  expect(response.headers.get('content-type')).toBe('application/pkix-cert');
  return pemOf(Buffer.from(await response.arrayBuffer()));
};

describe('a PDF sealed by the pipeline', () => {
  let issued: Issued;
  beforeAll(async () => {
    issued = await issue();
  });

  it('passes pdfsig, qpdf --check, OpenSSL cms -verify (against the published CA) and ts -verify (against the TSA root)', async () => {
    expect(pdfsig(issued.pdf)).toMatch(/Signature Type: ETSI\.CAdES\.detached[\s\S]*Total document signed[\s\S]*Signature is Valid\./);
    expect(qpdfCheck(issued.pdf).code).toBe(0);
    expect(opensslCmsVerify(issued.pdf, await caPem()).output).toContain('Verification successful');
    const info = parseSignedData(signatureParts(issued.pdf).cms).signerInfos[0]!;
    const token = info.unsigned.get(CMS_OID.signatureTimeStampToken)![0]!.raw;
    const tsaRoot = pemOf(Buffer.from(await (await fetch(new URL('/root.crt', process.env.ECERT_TSA_URL))).arrayBuffer()));
    expect(opensslTsVerify(token, sha256(info.signature).toString('hex'), tsaRoot).output).toContain('Verification: OK');
  });

  it('is reported by POST /v1/verify/document as intact, PAdES B-LT, time-stamped, certified, with a matching credential', async () => {
    const body = await postDocument(issued.pdf);
    expect(body).toMatchObject({
      valid: true,
      documentIntact: true,
      signature: {
        signed: true,
        valid: true,
        subFilter: 'ETSI.CAdES.detached',
        padesLevel: 'B-LT',
        timestamp: { valid: true, tsa: expect.stringContaining('CN=ecert local TSA') },
        certification: { certified: true, permission: 1, respected: true },
        coverage: 'WHOLE_FILE',
        modifiedAfterSigning: false,
        longTermValidation: { complete: true },
      },
      credential: { present: true, valid: true, matchesParticulars: true, mismatches: [] },
    });
    const signature = body.signature as { timestamp: { time: string }; claimedSigningTime: string };
    expect(Math.abs(Date.parse(signature.timestamp.time) - Date.parse(signature.claimedSigningTime))).toBeLessThan(60_000);
  });

  it('reports each tampered copy as modified: one byte, an incremental update painting another name, a rewritten copy', async () => {
    const flipped = new Uint8Array(issued.pdf);
    flipped[4000] = flipped[4000]! ^ 1;
    const painted = paintOverName(issued.pdf, 'Li Si');
    const source = tempFile('in.pdf', issued.pdf);
    execFileSync('qpdf', [source, `${source}.out.pdf`]);
    const rewritten = readFileSync(`${source}.out.pdf`);
    for (const [label, pdf] of [['one byte', flipped], ['painted update', painted], ['rewritten', rewritten]] as const) {
      const body = await postDocument(pdf);
      expect(body, label).toMatchObject({ valid: false, documentIntact: false, reason: 'DOCUMENT_MODIFIED', signature: { valid: false } });
    }
    // The painted copy's signature still verifies over its revision: what gives it away is the change after signing.
    expect(checkPdfSignature(painted)).toMatchObject({ signatureValid: true, digestMatches: true, modifiedAfterSigning: true });
    expect(((await postDocument(painted)).signature as Record<string, unknown>).certification).toMatchObject({ certified: true, respected: false });
  });
});

describe('trust material and the status list', () => {
  it('publishes the issuer, its keys (JWKS with the CA chain) and a CRL signed by the CA', async () => {
    await issue('周芷');
    const issuer = (await (await stack.api('/v1/issuer')).json()) as { id: string; jwks_uri: string };
    expect(issuer.id).toBe(`${stack.apiUrl}/v1/issuer`);
    const jwks = (await (await stack.api('/v1/issuer/jwks.json')).json()) as { keys: Array<{ kty: string; x5c: string[]; kid: string }> };
    const ca = new X509Certificate(Buffer.from(jwks.keys[0]!.x5c[0]!, 'base64'));
    expect(ca.ca).toBe(true);
    expect(ca.toString()).toBe(new X509Certificate(await caPem()).toString());
    const crl = Buffer.from(await (await stack.api('/v1/pki/crl')).arrayBuffer());
    const verified = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', tempFile('ca.crl', crl), '-CAfile', tempFile('ca.pem', ca.toString()), '-noout'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(verified.toString()).toBe('');
  });

  it('flips the credential’s status bit when the certificate is revoked, and the published list says so', async () => {
    // Prepare
    const issued = await issue('吴用');
    const credential = checkPdfSignature(issued.pdf).credentialJwt!;
    const vc = JSON.parse(Buffer.from(credential.split('.')[1]!, 'base64url').toString()) as {
      credentialStatus: { statusListCredential: string; statusListIndex: string };
    };
    const listPath = new URL(vc.credentialStatus.statusListCredential).pathname;
    const index = Number(vc.credentialStatus.statusListIndex);
    const readList = async () => {
      const response = await stack.api(listPath);
      expect(response.headers.get('content-type')).toBe('application/vc+jwt');
      const token = await response.text();
      const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { x5c: string[] };
      const leaf = new X509Certificate(Buffer.from(header.x5c[0]!, 'base64'));
      // Another library than the signer's: jsonwebtoken, with the key of the x5c leaf (issued by the published CA).
      expect(leaf.verify(new X509Certificate(await caPem()).publicKey)).toBe(true);
      const payload = jwt.verify(token, leaf.publicKey.export({ type: 'spki', format: 'pem' }).toString(), { algorithms: ['ES256'] }) as {
        credentialSubject: { encodedList: string; statusPurpose: string };
      };
      return payload.credentialSubject;
    };
    await stack.runScheduled('PkiPublisher');
    expect(isRevoked((await readList()).encodedList, index)).toBe(false);

    // Act
    await revokeCertificate(issued.certId, '测试撤销');
    await stack.runScheduled('PkiPublisher');

    // Assess
    const list = await readList();
    expect(list.statusPurpose).toBe('revocation');
    expect(isRevoked(list.encodedList, index)).toBe(true);
    expect(await postDocument(issued.pdf)).toMatchObject({ valid: false, reason: 'CERTIFICATE_REVOKED', documentIntact: true });
  });
});

describe('verification codes as people type them', () => {
  it('accepts the code in lower case, with or without separators, and with O/I/L for 0/1; a legacy code still works', async () => {
    const issued = await issue('冯宝');
    expect(issued.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{20}$/);
    const grouped = formatVerificationCode(issued.code);
    const typed = [grouped.toLowerCase(), issued.code.toLowerCase(), grouped.replace(/-/g, ' '), issued.code.replace(/0/g, 'O').replace(/1/g, 'l')];
    for (const code of typed) {
      const response = await stack.api(`/v1/verify/${encodeURIComponent(code)}`);
      expect(response.status, code).toBe(200);
    }
    // A code issued before the change (24 base64url characters, case-sensitive) keeps answering.
    const legacy = 'q7Vb2nX9kLm4Pz8RtYw3Hc6J';
    const record = await ddb().send(new (await import('@aws-sdk/lib-dynamodb')).GetCommand({ TableName: stack.target.tableName, Key: keys.verification(issued.code) }));
    await ddb().send(new PutCommand({ TableName: stack.target.tableName, Item: { ...record.Item, ...keys.verification(legacy) } }));
    expect((await stack.api(`/v1/verify/${legacy}`)).status).toBe(200);
    expect((await stack.api(`/v1/verify/${legacy.toLowerCase()}`)).status).toBe(404);
  });

  it('accepts a certificate number in lower case for 查验', async () => {
    const issued = await issue('郑爽');
    const response = await stack.api('/v1/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ certId: issued.certId.toLowerCase(), holderName: issued.holderName, idNumber: issued.idNumber }),
    });
    expect(response.status).toBe(200);
  });
});
