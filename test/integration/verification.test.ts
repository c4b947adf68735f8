import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../../shared/aws/clients';
import { getSecret } from '../../shared/config/secrets';
import { keys } from '../../shared/resources/table';
import { revokeCertificate, upsertCertificate } from '../../shared/repository/certificates';
import { startTestStack, type TestStack } from '../support/local-stack';
import { certificateRecord } from '../support/factories';
import { readyHolder, type HolderSession } from '../support/holder-client';
import { minimalPdf } from '../support/pdf';
import { decodeQrOnFirstPage } from '../support/qr';

// Verification (查验) end to end: annotated PDFs made by the real pipeline, checked by the public endpoints and by
// an independent verifier (poppler's pdfsig).
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

interface Issued {
  certId: string;
  idNumber: string;
  holderName: string;
  annotationId: string;
  code: string;
  pdf: Uint8Array;
  holder: HolderSession;
}

beforeAll(async () => {
  stack = await startTestStack({ pollIdleDelayMs: 20 });
});

afterAll(async () => {
  await stack?.stop();
});

async function issue(holderName = '林𠮷'): Promise<Issued> {
  const record = certificateRecord({ holderName });
  await upsertCertificate(record, await getSecret('idHashKey'));
  const holder = await readyHolder(stack, { name: holderName, idNumber: record.idNumber });
  const applied = (await (
    await holder.post(`/v1/certificates/${record.certId}/annotations`, { scenario: 'SELF_USE', validDays: 30 })
  ).json()) as { annotationId: string };
  const path = `/v1/certificates/${record.certId}/annotations/${applied.annotationId}`;
  for (let i = 0; ; i++) {
    const body = (await (await holder.get(path)).json()) as { status: string; verificationCode?: string };
    if (body.status === 'READY') {
      const link = (await (await holder.get(`${path}/download`)).json()) as { url: string };
      const pdf = new Uint8Array(await (await fetch(link.url)).arrayBuffer());
      return { certId: record.certId, idNumber: record.idNumber, holderName, annotationId: applied.annotationId, code: body.verificationCode!, pdf, holder };
    }
    if (i > 600) throw new Error(`annotation stayed ${body.status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function pdfsig(pdf: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-sig-'));
  writeFileSync(join(dir, 'doc.pdf'), pdf);
  const out = spawnSync('pdfsig', [join(dir, 'doc.pdf')], { encoding: 'utf8' });
  if (out.error) throw new Error('pdfsig (Debian poppler-utils) is required; .ci/run installs it');
  return `${out.stdout}${out.stderr}`;
}

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

  it('passes an independent signature check, and fails it after one byte changes', () => {
    const fresh = pdfsig(issued.pdf);
    expect(fresh).toContain('Signature Validation: Signature is Valid.');
    expect(fresh).toContain('Total document signed');
    expect(fresh).toContain('Signature Type: adbe.pkcs7.detached');
    const changed = pdfsig(tamper(issued.pdf));
    expect(changed).not.toContain('Signature is Valid.');
    expect(changed).toMatch(/Digest Mismatch|Signature is Invalid/);
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
