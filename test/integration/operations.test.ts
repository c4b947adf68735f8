import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ddb, s3 } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';
import { SECRETS } from '../../shared/config/secrets';
import { idHash } from '../../shared/domain/id-hash';
import { getCertificate } from '../../shared/repository/certificates';
import { getContactOnRecord } from '../../shared/repository/contacts';
import { listAuditEvents } from '../../shared/repository/audit';
import { runImportBatch, type ImportBatchEvent } from '../../shared/services/import-run';
import { changeStamp } from '../../shared/domain/audit';
import { importKeys } from '../../shared/resources/operations';
import { readRows, type SourceRow } from '../../shared/import/sources';
import { getText } from '../../shared/repository/import-objects';
import { itemBatches } from '../../local/distributed-map';
import { runCli, type CliRun } from '../support/cli';
import { startTestStack, type TestStack } from '../support/local-stack';
import { certificateRow, residentId, toCsv, withWrongCheckChar, DEFAULT_COLUMNS } from '../support/certificate-rows';
import { readyHolder } from '../support/holder-client';
import { handler as importBatchHandler } from '../../functions/jobs/import-batch';
import { lambdaContext } from '../../local/lambda-context';
import { FUNCTIONS } from '../../shared/resources/functions';

/**
 * Issue 13 on the local stack, through the real CLI (a child process) and the real handlers: the audit trail of every
 * operator action (derived from the table stream, archived to the audit bucket), bulk revocation, the import Lambda
 * on the batches a Distributed Map would hand it, the report, and the contact on record.
 */
let stack: TestStack;
let idHashKey: string;
const runs: CliRun[] = [];
const cli = async (...args: string[]) => {
  const run = await runCli([...args, '--data-dir', stack.dataDir]);
  runs.push(run);
  return run;
};

const holderId = residentId(501);
const contact = { mobile: '13812345678', email: 'zhang.san@example.com' };
const rows = [
  certificateRow({ certId: 'OPS-A-1', idNumber: holderId, issuedAt: '2022-03-01', approvalDate: '2022-01-15', ...contact }),
  certificateRow({ certId: 'OPS-A-2', idNumber: holderId, issuedAt: '2019-06-30', mobile: '13900001111' }),
  certificateRow({ certId: 'OPS-B-1', issuedAt: '2019-06-30' }),
  certificateRow({ certId: 'OPS-B-2' }),
  certificateRow({ certId: 'OPS-B-3' }),
];
const badIdNumber = withWrongCheckChar(residentId(777));
const allSecrets = [holderId, badIdNumber, ...rows.map((r) => r.idNumber), contact.mobile, '8613812345678', contact.email, '13900001111'];

beforeAll(async () => {
  stack = await startTestStack();
  idHashKey = (await readFile(join(stack.target.secretsDir, SECRETS.idHashKey.localFile), 'utf8')).trim();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe('operator actions leave an audit trail', () => {
  it('imports with contacts, records who changed which fields, and a re-import of the same rows adds nothing', async () => {
    const file = join(stack.dataDir, 'ops.csv');
    const columns = [...DEFAULT_COLUMNS, 'mobile', 'email'];
    await writeFile(file, toCsv([...rows, certificateRow({ certId: 'OPS-X-1', idNumber: badIdNumber })], { columns }));

    const first = await cli('import', file);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toMatch(/imported 5 \(created 5, updated 0\), failed 1/);
    expect(first.stderr).toMatch(/^line 7 \(OPS-X-1\): idNumber: 居民身份证号码校验位不正确$/m);
    const again = await cli('import', file);
    expect(again.stdout).toMatch(/imported 5 \(created 0, updated 5\), failed 1/);
    await stack.drainStreams();

    const events = await listAuditEvents({ certId: 'OPS-A-1' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'certificate.import',
      actor: { kind: 'operator', id: expect.stringMatching(/^local:/) },
      source: { host: expect.any(String), via: 'ecert-cli' },
      details: { created: true },
      line: 2,
    });
    expect(events[0]!.changes).toEqual(expect.arrayContaining(['holderName', 'idNumber', 'mobile', 'email']));
    const runId = events[0]!.runId!;
    const run = await cli('audit', '--run', runId);
    expect(run.stdout).toMatch(/import\.start/);
    expect(run.stdout).toMatch(/import\.finish .*created=5/);
  }, 120_000);

  it('keeps the contact on record for sending only: newest issuedAt wins per channel, masked nowhere else', async () => {
    const found = await getContactOnRecord('RESIDENT_ID', idHash(idHashKey, 'RESIDENT_ID', holderId));
    expect(found).toEqual({ mobile: '+8613812345678', email: 'zhang.san@example.com' });
    const cert = await getCertificate('OPS-A-1');
    expect(JSON.stringify(cert)).not.toMatch(/13812345678|zhang\.san/);
  });

  it('revokes one certificate and a file of them, with per-line results and the trail', async () => {
    const single = await cli('revoke', 'OPS-B-1', '--reason', '证书信息有误 110105198802140013');
    expect(single.code, single.stderr).toBe(0);
    const file = join(stack.dataDir, 'ids.txt');
    await writeFile(file, 'OPS-B-1\nOPS-B-2\n\nNOPE-404\nnot an id!\nOPS-B-3\n');
    const bulk = await cli('revoke', '--file', file, '--reason', '批量撤销');
    expect(bulk.code).toBe(1);
    expect(bulk.stdout).toMatch(/^line 1: OPS-B-1 was already revoked at .* nothing changed$/m);
    expect(bulk.stdout).toMatch(/^line 2: revoked OPS-B-2 at /m);
    expect(bulk.stdout).toMatch(/^line 4: certificate NOPE-404 does not exist$/m);
    expect(bulk.stdout).toMatch(/^line 5: not a certificate id/m);
    expect(bulk.stdout).toMatch(/^line 6: revoked OPS-B-3 at /m);
    expect(bulk.stdout).toMatch(/revoked 2, already revoked 1, not found 1, invalid 1, failed 0/);
    await stack.drainStreams();

    const b1 = await listAuditEvents({ certId: 'OPS-B-1' });
    expect(b1.map((e) => e.action)).toEqual(['certificate.import', 'certificate.revoke']);
    // The reason is kept, but what looks like an ID number in it is not.
    expect(b1[1]!.reason).toBe('证书信息有误 [redacted]');
    expect(b1[1]!.changes).toEqual(expect.arrayContaining(['status', 'revokedAt', 'revocationReason']));
    const b2 = await listAuditEvents({ certId: 'OPS-B-2' });
    expect(b2.at(-1)).toMatchObject({ action: 'certificate.revoke', reason: '批量撤销', line: 2, runId: expect.stringMatching(/^revoke-/) });
  }, 120_000);

  it('records an attached electronic file and a signing-key change', async () => {
    const pdf = join(stack.dataDir, 'scan.pdf');
    await writeFile(pdf, '%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
    expect((await cli('attach-file', 'OPS-A-2', pdf)).code).toBe(0);
    const init = await cli('signing-key', 'init', '--force');
    expect(init.code, init.stderr).toBe(0);
    await stack.drainStreams();
    expect((await listAuditEvents({ certId: 'OPS-A-2' })).at(-1)).toMatchObject({ action: 'certificate.attach-file', changes: ['electronicFile'] });
    const keyEvents = await cli('audit', '--system', 'signing-key');
    expect(keyEvents.stdout).toMatch(/signing-key\.init \| signing-key \| by local:/);
    expect(keyEvents.stdout).toMatch(/fingerprint=\S{20,}/);
  }, 120_000);

  it('answers a holder query with their certificates\' events, by ID number (hashed, never printed)', async () => {
    const run = await cli('audit', '--holder', `RESIDENT_ID:${holderId}`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/OPS-A-1/);
    expect(run.stdout).toMatch(/OPS-A-2/);
    expect(run.stdout).not.toMatch(/OPS-B-/);
  }, 60_000);

  it('archives every audit event to the archive bucket, and no event or archive holds an ID number or a contact', async () => {
    await stack.drainStreams();
    const items = (await ddb().send(new ScanCommand({ TableName: process.env[ENV.tableName], FilterExpression: 'begins_with(pk, :a)', ExpressionAttributeValues: { ':a': 'AUDIT#' } }))).Items ?? [];
    expect(items.length).toBeGreaterThanOrEqual(12);
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: process.env[ENV.auditBucketName], Prefix: 'audit/' }));
    const archived: string[] = [];
    for (const object of listed.Contents ?? []) {
      const body = await s3().send(new GetObjectCommand({ Bucket: process.env[ENV.auditBucketName], Key: object.Key }));
      archived.push(...(await body.Body!.transformToString()).split('\n').filter(Boolean));
    }
    const archivedIds = new Set(archived.map((line) => (JSON.parse(line) as { eventId: string }).eventId));
    for (const item of items) expect(archivedIds.has(String(item.eventId)), String(item.eventId)).toBe(true);
    const everything = JSON.stringify(items) + archived.join('\n') + runs.map((r) => r.stdout + r.stderr).join('\n');
    for (const secret of allSecrets) expect(everything).not.toContain(secret);
  }, 60_000);
});

describe('the import Lambda on the batches a Distributed Map hands it', () => {
  it('imports each batch with the shared rules, is idempotent on retry, and the report names every bad line', async () => {
    // Prepare: a file with bad lines, cut into batches exactly as the local Map (ItemReader + ItemBatcher) does.
    const good = Array.from({ length: 900 }, (_, i) => certificateRow({ certId: `MAP-${i}` }));
    const lines = [...good];
    lines.splice(100, 0, certificateRow({ certId: 'MAP-BAD-1', qualificationCode: 'ASTROLOGY' }));
    lines.splice(500, 0, certificateRow({ certId: 'MAP-BAD-2', approvalDate: '2023-02-29' }));
    lines.push({ ...good[10]!, level: '高级' }); // the same certId later in the file: the later line wins
    const file = join(stack.dataDir, 'map.csv');
    await writeFile(file, toCsv(lines));
    const importId = `import-test-${Date.now()}`;
    const stamp = changeStamp({ action: 'certificate.import', actor: { kind: 'operator', id: 'local:test' }, source: { via: 'test' }, runId: importId });
    const batches: SourceRow[][] = [];
    for await (const batch of itemBatches(readRows(file, 'csv'), 400, 240 * 1024)) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([400, 400, 103]);

    // Act: the handler itself (the middy chain the function deploys with), the last batch first, one retried.
    const invoke = (items: typeof batches[number]) =>
      importBatchHandler({ Items: items, BatchInput: { importId, stamp, executionArn: 'arn:test' } } satisfies ImportBatchEvent, lambdaContext(FUNCTIONS.importBatch));
    const results = [await invoke(batches[2]!), await invoke(batches[0]!), await invoke(batches[1]!)];
    const retried = await runImportBatch({ Items: batches[1]!, BatchInput: { importId, stamp } });

    // Assess
    expect(results.map((r) => r.items)).toEqual([103, 400, 400]);
    expect(retried).toEqual(results[2]);
    const totals = results.reduce((sum, r) => ({ created: sum.created + r.created, updated: sum.updated + r.updated, superseded: sum.superseded + r.superseded, failed: sum.failed + r.failed }), { created: 0, updated: 0, superseded: 0, failed: 0 });
    // The last batch (holding the later MAP-10) ran first, so the earlier MAP-10 line is superseded, not written.
    expect(totals).toEqual({ created: 900, updated: 0, superseded: 1, failed: 2 });
    expect((await getCertificate('MAP-10'))?.level).toBe('高级');

    const { summarizeImport } = await import('../../shared/services/import-run');
    const report = await summarizeImport({ importId, stamp });
    expect(report).toMatchObject({ items: 903, imported: 901, failed: 2, batches: 3 });
    const rejected = (await getText(importKeys.rejected(importId)))!.trim().split('\n').map((l) => JSON.parse(l) as { line: number; certId: string });
    expect(rejected.map((r) => [r.line, r.certId])).toEqual([[102, 'MAP-BAD-1'], [502, 'MAP-BAD-2']]);
  }, 120_000);

  it('runs `import --via-s3` locally end to end and `import status` shows the report', async () => {
    const file = join(stack.dataDir, 'via-s3.csv');
    await writeFile(file, toCsv([certificateRow({ certId: 'S3-1' }), certificateRow({ certId: 'S3-2', issuer: '' })]));
    const run = await cli('import', file, '--via-s3');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/imported 1 \(created 1, updated 0, superseded 0\), failed 1/);
    expect(run.stderr).toMatch(/^line 3 \(S3-2\): issuer: 签发单位不能为空$/m);
    const importId = /^run (import-\S+):/m.exec(run.stdout)![1]!;
    const status = await cli('import', 'status', importId);
    expect(status.stdout).toContain(`report: s3://`);
    expect(status.stdout).toMatch(/failed 1/);
  }, 120_000);
});

describe('the report reads the counters, not the table', () => {
  it('counts an annotation applied and READY, its apply → READY time, and a verification', async () => {
    const idNumber = residentId(601);
    const file = join(stack.dataDir, 'report.csv');
    await writeFile(file, toCsv([certificateRow({ certId: 'REP-1', idNumber, holderName: '王五', issuedAt: '2023-06-30', approvalDate: '2023-05-20', qualificationCode: 'ACCOUNTING' })]));
    expect((await cli('import', file)).code).toBe(0);
    const holder = await readyHolder(stack, { name: '王五', idNumber });
    const applied = await holder.post('/v1/certificates/REP-1/annotations', { scenario: 'SELF_USE', validDays: 30 });
    expect(applied.status).toBe(202);
    const { annotationId } = (await applied.json()) as { annotationId: string };
    let status = 'PENDING';
    let code = '';
    for (let i = 0; i < 200 && status === 'PENDING'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const body = (await (await holder.get(`/v1/certificates/REP-1/annotations/${annotationId}`)).json()) as { status: string; verificationCode: string };
      status = body.status;
      code = body.verificationCode;
    }
    expect(status).toBe('READY');
    expect((await stack.api(`/v1/verify/${code}`)).status).toBe(200);
    await stack.drainStreams();

    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const report = await cli('report', '--from', today, '--to', today, '--json');
    expect(report.code, report.stderr).toBe(0);
    const figures = JSON.parse(report.stdout) as { total: { applied: number; ready: number; p50Ms?: number; verified: number }; perQualification: Array<{ qualificationCode: string; applied: number }> };
    expect(figures.total).toMatchObject({ applied: 1, ready: 1, verified: 1 });
    expect(figures.total.p50Ms).toBeGreaterThan(0);
    expect(figures.perQualification).toContainEqual(expect.objectContaining({ qualificationCode: 'ACCOUNTING', applied: 1 }));
  }, 120_000);
});
