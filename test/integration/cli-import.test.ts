import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resetClients } from '../../shared/aws/clients';
import { ENV } from '../../shared/config/env';
import { clearSecretCache, SECRETS } from '../../shared/config/secrets';
import { idHash } from '../../shared/domain/id-hash';
import { getCertificate, listCertificatesByIdentity } from '../../shared/repository/certificates';
import { startEmulators, type RunningEmulators } from '../../local/emulators';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localAwsEnvironment, type EmulatorEndpoints } from '../../shared/target/local-target';
import { freePort } from '../../local/ports';
import { provisionBucket, provisionQueues, provisionTable, resourceNames } from '../../local/provision';
import { ensureLocalSecrets } from '../../shared/target/local-secrets';
import { writeLocalTarget } from '../../shared/target/local-target';
import { runCli, type CliRun } from '../support/cli';
import { certificateRow, residentId, toCsv, withWrongCheckChar } from '../support/certificate-rows';

/**
 * The operator CLI as an operator runs it: a child process that finds the local stack through runtime.json in a data
 * folder, reads real files, writes to DynamoDB Local and s3rver. Assertions read back through the repository.
 */
const outputs: CliRun[] = [];

async function cli(args: string[]): Promise<CliRun> {
  const run = await runCli([...args]);
  outputs.push(run);
  return run;
}

let emulators: RunningEmulators | undefined;
let endpoints: EmulatorEndpoints;
let dataDir: string;
let idHashKey: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ecert-cli-'));
  // The run's shared emulators when the global setup provides them; otherwise this file starts its own.
  const shared = inject('emulators') as EmulatorEndpoints | undefined;
  if (shared) {
    endpoints = shared;
  } else {
    emulators = await startEmulators({
      ports: { dynamodb: await freePort(), s3: await freePort(), sqs: await freePort() },
      dataDir: join(dataDir, 'emulators'),
      persistDynamoDb: false,
    });
    endpoints = emulators.endpoints;
  }
  const names = resourceNames(`t${randomBytes(4).toString('hex')}-`);
  const clientOptions = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...clientOptions, endpoint: endpoints.dynamodb });
  const s3 = new S3Client({ ...clientOptions, endpoint: endpoints.s3, forcePathStyle: true });
  const sqs = new SQSClient({ ...clientOptions, endpoint: endpoints.sqs });
  try {
    await provisionTable(dynamodb, names.tableName);
    await provisionBucket(s3, names.bucketName);
    const queues = await provisionQueues(sqs, names);
    const secretsDir = join(dataDir, 'secrets');
    await ensureLocalSecrets(secretsDir);
    await writeLocalTarget(dataDir, {
      apiUrl: 'http://127.0.0.1:9/v1',
      endpoints,
      ...names,
      ...queues,
      secretsDir,
      // This test process stands in for the running local stack.
      pid: process.pid,
      startedAt: new Date().toISOString(),
    });
    idHashKey = (await readFile(join(secretsDir, SECRETS.idHashKey.localFile), 'utf8')).trim();
    // This process reads back through the repository, pointed at the same resources.
    Object.assign(process.env, {
      ...localAwsEnvironment(endpoints),
      [ENV.tableName]: names.tableName,
      [ENV.bucketName]: names.bucketName,
    });
    resetClients();
    clearSecretCache();
  } finally {
    dynamodb.destroy();
    s3.destroy();
    sqs.destroy();
  }
}, 60_000);

afterAll(async () => {
  resetClients();
  process.env = savedEnv;
  await emulators?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

// The file's rows. Line numbers are those of the CSV written below (header on line 1).
const EXT_B_NAME = '𠮷野𡈽子';
const good = {
  a: certificateRow({ certId: 'CLI-A-001', holderName: EXT_B_NAME, specialty: '金融, "保险"', issuedAt: '2019-06-30' }),
  b: certificateRow({ certId: 'CLI-B-002', holderName: '欧阳·娜娜', qualificationCode: 'BANKING', issuedAt: '2022-03-01', approvalDate: '2022-01-15' }),
  c: certificateRow({ certId: 'CLI-C-003', holderName: 'John Smith', idType: 'PASSPORT', idNumber: 'E12345678', specialty: '' }),
};
const bad = {
  checkDigit: certificateRow({ certId: 'CLI-X-004', idNumber: withWrongCheckChar(residentId(404)) }),
  qualification: certificateRow({ certId: 'CLI-X-005', qualificationCode: 'ASTROLOGY' }),
  date: certificateRow({ certId: 'CLI-X-006', approvalDate: '2023-02-29' }),
};
const allIdNumbers = [...Object.values(good), ...Object.values(bad)].map((row) => row.idNumber);

function csvFile(rows = good, overrides: Partial<Record<keyof typeof good, Partial<typeof good.a>>> = {}): string {
  const full = toCsv([
    { ...rows.a, ...overrides.a }, // line 2
    bad.checkDigit, // line 3
    bad.qualification, // line 4
    bad.date, // line 5
  ]);
  const missingColumn = toCsv([certificateRow({ certId: 'CLI-X-007' })], { columns: ['certId', 'holderName', 'idType'] })
    .split('\r\n')[1]; // line 6: three fields under a ten-column header
  const tail = toCsv([{ ...rows.b, ...overrides.b }, { ...rows.c, ...overrides.c }]).split('\r\n').slice(1).join('\r\n');
  return `${full}${missingColumn}\r\n\r\n${tail}`; // line 7 is empty; b on line 8, c on line 9
}

describe('ecert import (CSV and JSON Lines against the local stack)', () => {
  let csvPath: string;
  let firstImportedAt: string;

  it('imports the good lines of a CSV file and names each bad line with its number', async () => {
    // Prepare
    csvPath = join(dataDir, 'certificates.csv');
    await writeFile(csvPath, csvFile());

    // Act
    const run = await cli(['import', csvPath, '--data-dir', dataDir]);

    // Assess
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/imported 3 \(created 3, updated 0\), failed 4, in \d+\.\d s/);
    expect(run.stderr).toMatch(/^line 3 \(CLI-X-004\): idNumber: 居民身份证号码校验位不正确$/m);
    expect(run.stderr).toMatch(/^line 4 \(CLI-X-005\): qualificationCode: 资格代码不在资格目录中$/m);
    expect(run.stderr).toMatch(/^line 5 \(CLI-X-006\): approvalDate: 批准日期不是有效的日历日期$/m);
    expect(run.stderr).toMatch(/^line 6: \(row\): 该行有3列，表头有10列$/m);
    expect(run.stderr).not.toMatch(/^line [1278]\b/m);

    const a = await getCertificate('CLI-A-001');
    expect(a).toMatchObject({ status: 'VALID', specialty: '金融, "保险"', issuedAt: '2019-06-30' });
    expect(Buffer.from(a!.holderName, 'utf8').equals(Buffer.from(EXT_B_NAME, 'utf8'))).toBe(true);
    expect([...a!.holderName]).toHaveLength(4);
    expect(await getCertificate('CLI-B-002')).toMatchObject({ holderName: '欧阳·娜娜', qualificationCode: 'BANKING' });
    expect(await getCertificate('CLI-C-003')).not.toHaveProperty('specialty');
    for (const certId of ['CLI-X-004', 'CLI-X-005', 'CLI-X-006', 'CLI-X-007']) expect(await getCertificate(certId)).toBeUndefined();
    firstImportedAt = a!.importedAt;
  }, 30_000);

  it('imports JSON Lines, reporting a broken line, an unknown key and a bad date', async () => {
    // Prepare
    const d = certificateRow({ certId: 'CLI-D-008', holderName: '𪚥', specialty: '' });
    const { specialty: _none, ...e } = certificateRow({ certId: 'CLI-E-009', holderName: '李𠀀' });
    const path = join(dataDir, 'more.jsonl');
    const lines = [
      JSON.stringify(d),
      `{"certId":"CLI-X-010","idNumber":"${residentId(10)}",`,
      JSON.stringify({ ...certificateRow({ certId: 'CLI-X-011' }), grade: 'A' }),
      '',
      JSON.stringify(e),
      JSON.stringify(certificateRow({ certId: 'CLI-X-012', issuedAt: '2019-13-01' })),
    ];
    allIdNumbers.push(residentId(10), d.idNumber, e.idNumber);
    await writeFile(path, lines.join('\n'));

    // Act
    const run = await cli(['import', path, '--data-dir', dataDir]);

    // Assess
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/imported 2 \(created 2, updated 0\), failed 3/);
    expect(run.stderr).toMatch(/^line 2: \(row\): 不是有效的JSON$/m);
    expect(run.stderr).toMatch(/^line 3 \(CLI-X-011\): grade: 未知列$/m);
    expect(run.stderr).toMatch(/^line 6 \(CLI-X-012\): issuedAt: 签发日期不是有效的日历日期$/m);
    expect((await getCertificate('CLI-D-008'))?.holderName).toBe('𪚥');
    expect((await getCertificate('CLI-E-009'))?.holderName).toBe('李𠀀');
  }, 30_000);

  it('updates on re-import instead of duplicating, keeping the first importedAt', async () => {
    // Prepare
    await writeFile(csvPath, csvFile(good, { a: { level: '高级' } }));

    // Act
    const run = await cli(['import', csvPath, '--data-dir', dataDir]);

    // Assess
    expect(run.stdout).toMatch(/imported 3 \(created 0, updated 3\), failed 4/);
    const a = await getCertificate('CLI-A-001');
    expect(a).toMatchObject({ level: '高级', importedAt: firstImportedAt });
    expect(a!.updatedAt > firstImportedAt).toBe(true);
    const mine = await listCertificatesByIdentity('RESIDENT_ID', idHash(idHashKey, 'RESIDENT_ID', good.a.idNumber));
    expect(mine.map((cert) => cert.certId)).toEqual(['CLI-A-001']);
  }, 30_000);

  it('revokes with a reason, keeps the first revocation, and a re-import does not un-revoke', async () => {
    // Act
    const revoke = await cli(['revoke', 'CLI-A-001', '--reason', '证书信息有误', '--data-dir', dataDir]);
    const again = await cli(['revoke', 'CLI-A-001', '--reason', '再次撤销', '--data-dir', dataDir]);
    const reimport = await cli(['import', csvPath, '--data-dir', dataDir]);

    // Assess
    expect(revoke.code, revoke.stderr).toBe(0);
    const revokedAt = /^revoked CLI-A-001 at (\S+)$/m.exec(revoke.stdout)?.[1];
    expect(revokedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`CLI-A-001 was already revoked at ${revokedAt} (reason: 证书信息有误)`);
    expect(reimport.stdout).toMatch(/updated 3/);
    expect(await getCertificate('CLI-A-001')).toMatchObject({ status: 'REVOKED', revokedAt, revocationReason: '证书信息有误' });
    expect(await getCertificate('CLI-B-002')).toMatchObject({ status: 'VALID' });
  }, 30_000);

  it('refuses a revocation without a reason, and of an unknown certificate', async () => {
    const [noReason, unknown] = await Promise.all([
      cli(['revoke', 'CLI-B-002', '--data-dir', dataDir]),
      cli(['revoke', 'NOPE-404', '--reason', '测试', '--data-dir', dataDir]),
    ]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason is required');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('certificate NOPE-404 does not exist');
    expect(await getCertificate('CLI-B-002')).toMatchObject({ status: 'VALID' });
  }, 30_000);

  it('attaches an electronic file to an old certificate, refusing non-PDFs and e-certificates', async () => {
    // Prepare
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
    const pdfPath = join(dataDir, 'scan.pdf');
    const textPath = join(dataDir, 'scan.txt');
    await writeFile(pdfPath, pdf);
    await writeFile(textPath, 'not a pdf');

    // Act
    const [attached, notPdf, eCert] = await Promise.all([
      cli(['attach-file', 'CLI-C-003', pdfPath, '--data-dir', dataDir]),
      cli(['attach-file', 'CLI-C-003', textPath, '--data-dir', dataDir]),
      cli(['attach-file', 'CLI-B-002', pdfPath, '--data-dir', dataDir]),
    ]);

    // Assess
    expect(attached.code, attached.stderr).toBe(0);
    const file = (await getCertificate('CLI-C-003'))!.electronicFile!;
    expect(file).toMatchObject({ size: pdf.length, key: `files/CLI-C-003/${file.sha256}.pdf` });
    expect(attached.stdout).toContain(file.sha256);
    const s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: endpoints.s3, forcePathStyle: true });
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: process.env[ENV.bucketName], Key: file.key }));
      expect(object.ContentType).toBe('application/pdf');
      expect(Buffer.from(await object.Body!.transformToByteArray()).equals(pdf)).toBe(true);
    } finally {
      s3.destroy();
    }
    expect(notPdf.code).toBe(1);
    expect(notPdf.stderr).toContain('not a PDF');
    expect(eCert.code).toBe(1);
    expect(eCert.stderr).toContain('e-certificate');
    expect((await getCertificate('CLI-B-002'))!.electronicFile).toBeUndefined();
  }, 30_000);

  it('answers usage and target errors with exit code 2, and --help with 0', async () => {
    // Act
    const [noFile, noStack, badFormat, help, revokeHelp, attachHelp] = await Promise.all([
      cli(['import', '--data-dir', dataDir]),
      cli(['import', csvPath, '--data-dir', join(dataDir, 'nowhere')]),
      cli(['import', csvPath, '--format', 'xlsx', '--data-dir', dataDir]),
      cli(['import', '--help']),
      cli(['revoke', '--help']),
      cli(['attach-file', '-h']),
    ]);

    // Assess
    expect([noFile.code, noStack.code, badFormat.code]).toEqual([2, 2, 2]);
    expect(noStack.stderr).toContain('no local stack found');
    expect(badFormat.stderr).toContain("unknown format 'xlsx'");
    for (const run of [help, revokeHelp, attachHelp]) {
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: npm run ecert -- /);
    }
  }, 30_000);

  it('never printed an ID number', () => {
    // Assess: every run of this file, good and bad rows alike, in raw and normalised form.
    expect(outputs.length).toBeGreaterThanOrEqual(10);
    const printed = outputs.map((run) => run.stdout + run.stderr).join('\n');
    for (const idNumber of allIdNumbers) {
      expect(printed).not.toContain(idNumber);
      expect(printed).not.toContain(idNumber.toUpperCase());
    }
  });
});
