import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../shared/domain/audit';
import { newTestRunId, TEST_ISSUER, testCertificateRecord } from '../../shared/domain/test-records';
import { getCertificate } from '../../shared/repository/certificates';
import { runCli } from '../support/cli';
import { certificateRow } from '../support/certificate-rows';
import { startTestStack, type TestStack } from '../support/local-stack';

/**
 * `ecert test-data remove` deletes data, so it must refuse everything that is not unmistakably a test record: the
 * certId prefix, the test identity and the test issuer, all three — and, like every operator action, it is audited.
 */
let stack: TestStack;
let dir: string;
const runId = newTestRunId();
const testRecord = testCertificateRecord('load', runId, 7);
// Each lacks exactly one of the three marks of a test record.
const lookalikes = {
  realCertId: { ...testRecord, certId: `Z${runId}` },
  realIssuer: { ...testCertificateRecord('load', runId, 8), issuer: '中华人民共和国人力资源和社会保障部' },
  realIdentity: { ...testCertificateRecord('smoke', runId, 9), idType: 'RESIDENT_ID', idNumber: certificateRow().idNumber },
};

beforeAll(async () => {
  stack = await startTestStack({ queueConsumers: false });
  dir = await mkdtemp(join(tmpdir(), 'ecert-test-data-'));
  const file = join(dir, 'rows.jsonl');
  await writeFile(file, [testRecord, ...Object.values(lookalikes)].map((row) => JSON.stringify(row)).join('\n') + '\n');
  const imported = await runCli(['import', file, '--no-progress', '--data-dir', stack.dataDir]);
  expect(imported.stdout, imported.stderr).toMatch(/imported 4 \(created 4/);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('ecert test-data remove', () => {
  it('refuses a certificate that lacks any one mark of a test record, and leaves it in place', async () => {
    const run = await runCli(['test-data', 'remove', ...Object.values(lookalikes).map((r) => r.certId), '--data-dir', stack.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${lookalikes.realCertId.certId} is not a test record (its certId does not start with`);
    expect(run.stderr).toContain(`${lookalikes.realIssuer.certId} is not a test record (its issuer is not the test-data issuer)`);
    expect(run.stderr).toContain(`${lookalikes.realIdentity.certId} is not a test record (its holder identity is not a test identity)`);
    expect(run.stderr).not.toContain(lookalikes.realIdentity.idNumber);
    for (const record of Object.values(lookalikes)) expect(await getCertificate(record.certId)).toBeDefined();
  }, 60_000);

  it('removes a test record named in a --from file, and reports it gone the second time', async () => {
    const list = join(dir, 'certs.txt');
    await writeFile(list, `${testRecord.certId} ${testRecord.certId}-q0 ${testRecord.certId}-q1\n\n`);
    const first = await runCli(['test-data', 'remove', '--from', list, '--data-dir', stack.dataDir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`removed ${testRecord.certId}: 0 annotation(s), 0 PDF(s), 0 verification code(s), no holder account`);
    expect(await getCertificate(testRecord.certId, { consistent: true })).toBeUndefined();
    const again = await runCli(['test-data', 'remove', testRecord.certId, '--data-dir', stack.dataDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${testRecord.certId}: not found (already removed)`);
  }, 90_000);

  it('records each removal in the audit trail as the operator\'s action, once, and nothing for a refusal', async () => {
    // Act (after the removal above, and the second run that found nothing)
    const trail = await runCli(['audit', '--cert', testRecord.certId, '--json', '--data-dir', stack.dataDir]);
    const refused = await runCli(['audit', '--cert', lookalikes.realIssuer.certId, '--data-dir', stack.dataDir]);

    // Assess
    expect(trail.code, trail.stderr).toBe(0);
    const removals = trail.stdout.trim().split('\n').map((line) => JSON.parse(line) as AuditEvent).filter((e) => e.action === 'test-data.remove');
    expect(removals).toHaveLength(1);
    expect(removals[0]).toMatchObject({
      actor: { kind: 'operator', id: expect.stringMatching(/^local:/) },
      source: { host: expect.any(String), via: 'ecert-cli' },
      subject: { certId: testRecord.certId },
      details: { annotations: 0, objects: 0, verifications: 0, holderAccount: false, items: expect.any(Number) },
    });
    expect(Date.parse(removals[0]!.at)).not.toBeNaN();
    expect(refused.stdout).not.toContain('test-data.remove');
    expect(trail.stdout + refused.stdout).not.toContain(testRecord.idNumber);
  }, 90_000);

  it('needs an action and a certificate', async () => {
    expect((await runCli(['test-data', '--data-dir', stack.dataDir])).code).toBe(2);
    expect((await runCli(['test-data', 'remove', '--data-dir', stack.dataDir])).code).toBe(2);
    const help = await runCli(['test-data', '--help']);
    expect(help.stdout).toContain(TEST_ISSUER);
  }, 90_000);
});
