import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newTestRunId, TEST_PASSWORD, testCertificateRecord } from '../../shared/domain/test-records';
import { ApiError, fetchDocument, HolderApi, type Annotation, type TestPerson } from './holder-api';
import { ecertOk, recoveryCode } from './operator-cli';
import { StepRunner, type StepResult } from './steps';
import type { ToolTarget } from './target';

/**
 * The smoke test: the whole holder flow once against a running system, with a test holder and certificate of its own
 * that it makes through the operator CLI and removes again at the end — also when a step fails.
 */
export interface SmokeOptions {
  /** How long an annotation may stay PENDING before the step fails (a cold render Lambda takes seconds). */
  readyTimeoutMs?: number;
  /** Leave the test records in place (to look at them); `ecert test-data remove <certId>` removes them later. */
  keep?: boolean;
  print?: (line: string) => void;
}

export interface SmokeReport {
  ok: boolean;
  certId: string;
  steps: StepResult[];
  seconds: number;
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function expectProblem(call: Promise<unknown>, status: number, code: string): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiError && error.status === status && error.code === code) return;
    throw error;
  }
  throw new Error(`expected ${status} ${code}, got a success`);
}

export async function runSmoke(target: ToolTarget, options: SmokeOptions = {}): Promise<SmokeReport> {
  const print = options.print ?? ((line: string) => console.log(line));
  const api = new HolderApi(target.apiUrl, { registrationCode: (person) => recoveryCode(person, target.cliArgs) });
  const record = testCertificateRecord('smoke', newTestRunId());
  const { certId } = record;
  const person: TestPerson = { name: record.holderName, idType: record.idType, idNumber: record.idNumber, password: TEST_PASSWORD };
  const runner = new StepRunner(print);
  const cli = (...args: string[]) => ecertOk([...args, ...target.cliArgs]);
  let imported = false;
  let token = '';
  let annotation: Annotation | undefined;
  let pdf: Buffer | undefined;
  const idempotencyKey = randomUUID();

  print(`smoke: ${target.description}, API ${target.apiUrl}, test certificate ${certId}`);
  try {
    await runner.step('health', async () => {
      const { body } = await api.health();
      expect(body.status === 'ok', `health said ${JSON.stringify(body)}`);
    });

    await runner.step('import certificate (ecert import)', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ecert-smoke-'));
      try {
        const file = join(dir, `${certId}.jsonl`);
        await writeFile(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
        imported = true; // from here on the cleanup must run, whatever the import reports
        const { out } = await cli('import', file, '--no-progress');
        expect(out.some((line) => line.startsWith('imported 1 (created 1')), `import said: ${out.join(' | ')}`);
        return certId;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    await runner.step('register holder', async () => {
      await api.register(person);
    });

    await runner.step('log in', async () => {
      token = (await api.login(person)).token;
    });

    await runner.step('accept the service notice', async () => `version ${await api.acceptCurrentNotice(token)}`);

    await runner.step('list certificates', async () => {
      const ids = await api.certificateIds(token);
      expect(ids.includes(certId), `the holder's certificates do not include ${certId}`);
    });

    await runner.step('apply for an annotation', async () => {
      annotation = await api.apply(token, certId, { validDays: 1, idempotencyKey });
      expect(annotation.status === 'PENDING', `a new annotation is ${annotation.status}, not PENDING`);
      return annotation.annotationId;
    });

    await runner.step('wait for READY', async () => {
      const settled = await api.waitUntilSettled(token, certId, annotation!.annotationId, options.readyTimeoutMs ?? 120_000);
      annotation = settled.annotation;
      expect(annotation.status === 'READY', `the annotation settled as ${annotation.status}`);
      expect(annotation.documentSha256 && annotation.verificationCode, 'a READY annotation lacks documentSha256 or verificationCode');
      return `${settled.polls} poll(s)`;
    });

    await runner.step('download, SHA-256 checked', async () => {
      const link = await api.downloadLink(token, certId, annotation!.annotationId);
      const document = await fetchDocument(link.url);
      expect(document.bytes.subarray(0, 5).toString('latin1') === '%PDF-', 'the download is not a PDF');
      expect(document.contentType === 'application/pdf', `the download's Content-Type is ${document.contentType}`);
      expect(
        document.sha256 === annotation!.documentSha256,
        `SHA-256 ${document.sha256.slice(0, 12)}… differs from documentSha256 ${annotation!.documentSha256!.slice(0, 12)}…`,
      );
      pdf = document.bytes;
      return `${document.bytes.length} bytes, sha256 ${document.sha256.slice(0, 12)}…`;
    });

    await runner.step('verify by code', async () => {
      const verification = await api.verifyCode(annotation!.verificationCode!);
      expect(verification.valid === true, 'verification says not valid');
      expect(verification.certificate.certId === certId, 'verification names another certificate');
      expect(verification.annotation?.status === 'READY', `verification shows the annotation ${verification.annotation?.status}`);
    });

    await runner.step('verify the downloaded PDF', async () => {
      const verification = await api.verifyDocument(pdf!);
      expect(verification.documentIntact && verification.signature.valid, 'the downloaded PDF is not intact or its signature invalid');
    });

    await runner.step('revoke (ecert revoke)', async () => {
      await cli('revoke', certId, '--reason', 'smoke test: revocation check');
    });

    await runner.step('revoked: verification and download refuse', async () => {
      const verification = await api.verifyCode(annotation!.verificationCode!);
      expect(verification.valid === false, 'verification still says valid after revocation');
      await expectProblem(api.downloadLink(token, certId, annotation!.annotationId), 409, 'CERTIFICATE_REVOKED');
      await expectProblem(api.apply(token, certId), 409, 'CERTIFICATE_REVOKED');
    });
  } finally {
    if (imported && !options.keep) {
      await runner.step(
        'clean up (ecert test-data remove)',
        async () => {
          // --force: an annotation that never became READY is removed too (a render finishing later would leave one
          // object under annotations/<certId>/, which the bucket's lifecycle rule expires).
          const { out } = await cli('test-data', 'remove', certId, '--idempotency-key', idempotencyKey, '--force');
          return out.join(' | ').replace(/^removed \S+: /, '');
        },
        { always: true },
      );
      // Not by logging in: a failed login writes a failure counter for the identity, i.e. a record after the cleanup.
      await runner.step(
        'cleaned: nothing left to remove',
        async () => {
          const { out } = await cli('test-data', 'remove', certId);
          expect(out.some((line) => line.includes('not found')), `a second removal still found something: ${out.join(' | ')}`);
          if (annotation?.verificationCode) await expectProblem(api.verifyCode(annotation.verificationCode), 404, 'NOT_FOUND');
        },
        { always: true },
      );
    } else if (imported) {
      print(`kept the test records: remove them with  npm run ecert -- test-data remove ${certId} ${target.cliArgs.join(' ')}`);
    }
  }
  const seconds = runner.elapsedMs / 1000;
  const passed = runner.results.filter((r) => r.status === 'passed').length;
  print(
    runner.ok
      ? `smoke: PASSED — ${passed} steps in ${seconds.toFixed(1)} s`
      : `smoke: FAILED — ${runner.results.filter((r) => r.status === 'failed').map((r) => r.name).join(', ')} (${passed} of ${runner.results.length} steps passed, ${seconds.toFixed(1)} s)`,
  );
  return { ok: runner.ok, certId, steps: runner.results, seconds };
}
