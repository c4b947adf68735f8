import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../../shared/aws/clients';
import { keys } from '../../shared/resources/table';
import { revokeCertificate } from '../../shared/repository/certificates';
import { issueAnnotatedPdf, type IssuedPdf } from '../support/issue-pdf';
import { startTestStack, type TestStack } from '../support/local-stack';
import { minimalPdf } from '../support/pdf';
import { decodeQrOnFirstPage } from '../support/qr';
import { opensslCmsVerify, pdfsig, signatureParts } from '../support/pdf-checkers';

// Verification (查验) end to end: annotated PDFs made by the real pipeline, checked by the public endpoints and by
// an independent verifier (OpenSSL's cms -verify over the signed byte ranges).
let stack: TestStack;
const DAY = 86_400_000;

interface VerificationBody {
  valid: boolean;
  reason?: string;
  documentIntact?: boolean;
  certificate: Record<string, string>;
  annotation?: Record<string, string>;
  checkedAt: string;
}

type Issued = IssuedPdf;

beforeAll(async () => {
  stack = await startTestStack({ pollIdleDelayMs: 20 });
});

afterAll(async () => {
  await stack?.stop();
});

const issue = (holderName?: string) => issueAnnotatedPdf(stack, holderName);

const tamper = (pdf: Uint8Array, at = 2000): Uint8Array => {
  const copy = new Uint8Array(pdf);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};

const postDocument = (pdf: Uint8Array, contentType = 'application/pdf') =>
  stack.api('/v1/verify/document', { method: 'POST', headers: { 'content-type': contentType }, body: pdf });

describe('the signed PDF', () => {
  let issued: Issued;
  beforeAll(async () => {
    issued = await issue();
  });

  it('passes two independent signature checks over the whole file (OpenSSL, poppler), and fails both after one byte changes', () => {
    expect(signatureParts(issued.pdf)).toMatchObject({ coversWholeFile: true, subFilter: 'ETSI.CAdES.detached' });
    const fresh = opensslCmsVerify(issued.pdf);
    expect(fresh.code).toBe(0);
    expect(fresh.output).toContain('CMS Verification successful');
    const poppler = pdfsig(issued.pdf);
    expect(poppler).toContain('Signature Validation: Signature is Valid.');
    expect(poppler).toContain('Total document signed');
    expect(poppler).toContain('Signature Type: ETSI.CAdES.detached');
    const changed = opensslCmsVerify(tamper(issued.pdf));
    expect(changed.code).not.toBe(0);
    // The signed bytes no longer hash to the signature's message digest.
    expect(changed.output).toContain('content verify error');
    const popplerChanged = pdfsig(tamper(issued.pdf));
    expect(popplerChanged).not.toContain('Signature is Valid.');
    expect(popplerChanged).toMatch(/Digest Mismatch|Signature is Invalid/);
  });

  it('carries a QR code that decodes to the public verification URL', () => {
    expect(decodeQrOnFirstPage(issued.pdf)).toBe(`${stack.apiUrl}/v1/verify/${issued.code}`);
  });

  it('answers documentIntact for the same two files', async () => {
    const intact = await postDocument(issued.pdf);
    expect(intact.status).toBe(200);
    const good = (await intact.json()) as Record<string, unknown>;
    expect(good).toMatchObject({ valid: true, documentIntact: true, signature: { signed: true, valid: true } });
    const altered = (await (await postDocument(tamper(issued.pdf))).json()) as Record<string, unknown>;
    expect(altered).toMatchObject({ valid: false, documentIntact: false, reason: 'DOCUMENT_MODIFIED' });
    // A byte appended after the signature is an alteration too.
    const appended = (await (await postDocument(new Uint8Array([...issued.pdf, 0x0a]))).json()) as Record<string, unknown>;
    expect(appended).toMatchObject({ documentIntact: false });
  });

  it('refuses a PDF that is not one of ours, and anything that is not a PDF', async () => {
    const foreign = await postDocument(minimalPdf('not ours'));
    expect(foreign.status).toBe(422);
    expect(await foreign.json()).toMatchObject({ code: 'NOT_AN_ECERT' });
    expect((await postDocument(new TextEncoder().encode('hello'))).status).toBe(422);
    expect((await postDocument(issued.pdf, 'application/json')).status).toBe(415);
  });
});

describe('verification answers', () => {
  it('shows a valid annotation by code, masking name and ID number', async () => {
    const issued = await issue('林𠮷');
    const response = await stack.api(`/v1/verify/${issued.code}`);
    expect(response.status).toBe(200);
    const raw = await response.text();
    const body = JSON.parse(raw) as VerificationBody;
    expect(body.valid).toBe(true);
    expect(body.certificate.holderNameMasked).toBe('林*');
    // Public views show the first and the last character only (issue 11: the last four narrowed a guess to hundreds).
    expect(body.certificate.idNumberMasked).toBe(`${issued.idNumber[0]}${'*'.repeat(16)}${issued.idNumber.slice(-1)}`);
    expect(body.annotation).toMatchObject({ scenario: 'SELF_USE', scenarioLabel: '本人调用', status: 'READY', statusLabel: '有效' });
    expect(Date.parse(body.checkedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(raw).not.toContain(issued.idNumber);
    expect(raw).not.toContain('𠮷');
  });

  it('says expired (valid: false) once the window has passed, and still after TTL removed the annotation', async () => {
    const issued = await issue('周芷');
    const past = new Date(Date.now() - DAY);
    await ddb().send(
      new UpdateCommand({
        TableName: stack.target.tableName,
        Key: keys.annotation(issued.certId, issued.annotationId),
        UpdateExpression: 'SET validFrom = :from, validUntilIso = :until, validUntil = :epoch',
        ExpressionAttributeValues: {
          ':from': new Date(past.getTime() - 30 * DAY).toISOString(),
          ':until': past.toISOString(),
          ':epoch': Math.floor(past.getTime() / 1000),
        },
      }),
    );
    const expired = (await (await stack.api(`/v1/verify/${issued.code}`)).json()) as VerificationBody;
    expect(expired).toMatchObject({ valid: false, reason: 'ANNOTATION_EXPIRED', annotation: { status: 'EXPIRED' } });

    // TTL deletes the annotation item; the verification record (kept a year longer) still answers "expired".
    await ddb().send(new DeleteCommand({ TableName: stack.target.tableName, Key: keys.annotation(issued.certId, issued.annotationId) }));
    await ddb().send(
      new UpdateCommand({
        TableName: stack.target.tableName,
        Key: keys.verification(issued.code),
        UpdateExpression: 'SET validUntilIso = :until',
        ExpressionAttributeValues: { ':until': past.toISOString() },
      }),
    );
    const gone = (await (await stack.api(`/v1/verify/${issued.code}`)).json()) as VerificationBody;
    expect(gone).toMatchObject({ valid: false, reason: 'ANNOTATION_EXPIRED', annotation: { status: 'EXPIRED' } });
  });

  it('says revoked (valid: false) with the revocation time', async () => {
    const issued = await issue('吴用');
    const revocation = await revokeCertificate(issued.certId, '测试撤销');
    const body = (await (await stack.api(`/v1/verify/${issued.code}`)).json()) as VerificationBody;
    expect(body).toMatchObject({
      valid: false,
      reason: 'CERTIFICATE_REVOKED',
      certificate: { status: 'REVOKED', revokedAt: revocation.revokedAt },
      annotation: { status: 'REVOKED' },
    });
    const document = (await (await postDocument(issued.pdf)).json()) as VerificationBody;
    expect(document).toMatchObject({ valid: false, documentIntact: true, reason: 'CERTIFICATE_REVOKED' });
  });

  it('answers an unknown or malformed code with 404', async () => {
    const unknown = await stack.api('/v1/verify/AAAAAAAAAAAAAAAAAAAAAAAA');
    const malformed = await stack.api('/v1/verify/x');
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(404);
    expect(await unknown.json()).toEqual(await malformed.json());
  });

  it('查验 by certId + name + ID number: a wrong name or ID number is indistinguishable from an unknown certificate', async () => {
    const issued = await issue('郑爽');
    const ask = (body: unknown) =>
      stack.api('/v1/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const right = await ask({ certId: issued.certId, holderName: '郑爽', idNumber: issued.idNumber.toLowerCase() });
    expect(right.status).toBe(200);
    const rightText = await right.text();
    expect(JSON.parse(rightText)).toMatchObject({ valid: true, certificate: { certId: issued.certId, holderNameMasked: '郑*' } });
    expect(rightText).not.toContain(issued.idNumber);

    const answers = await Promise.all(
      [
        { certId: issued.certId, holderName: '郑双', idNumber: issued.idNumber },
        { certId: issued.certId, holderName: '郑爽', idNumber: `${issued.idNumber.slice(0, 17)}${issued.idNumber[17] === '1' ? '2' : '1'}` },
        { certId: 'NO-SUCH-CERT-1', holderName: '郑爽', idNumber: issued.idNumber },
        { certId: '../etc', holderName: '郑爽', idNumber: issued.idNumber },
      ].map(async (body) => {
        const response = await ask(body);
        return { status: response.status, headers: response.headers.get('content-type'), body: await response.text() };
      }),
    );
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]!.status).toBe(404);
    expect(answers[0]!.body).not.toContain(issued.idNumber);
  });
});

describe('the download is the verified document', () => {
  it('has the SHA-256 the public check compares against', async () => {
    const issued = await issue('冯宝');
    const sha = execFileSync('sha256sum', { input: issued.pdf }).toString().split(' ')[0];
    const annotation = (await (await issued.holder.get(`/v1/certificates/${issued.certId}/annotations/${issued.annotationId}`)).json()) as {
      documentSha256: string;
    };
    expect(annotation.documentSha256).toBe(sha);
  });
});
