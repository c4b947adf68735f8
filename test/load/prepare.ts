import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_PASSWORD, testCertificateRecord } from '../../shared/domain/test-records';
import { HolderApi, type TestPerson } from '../smoke/holder-api';
import { ecertOk, recoveryCode } from '../smoke/operator-cli';
import type { StepRunner } from '../smoke/steps';
import type { ToolTarget } from '../smoke/target';
import { PAYLOAD_FILES, type PayloadName } from './script';

/**
 * The load test's data, made before the clock starts so that no virtual user writes set-up records: N test
 * certificates imported in one `ecert import`, their holders registered, logged in and past the notice, and one
 * READY annotation each (for the status-read, download-link and verification scenarios). Each certificate's other
 * two quota slots are the applications the run makes.
 */
export interface PreparedHolder {
  person: TestPerson;
  certId: string;
  token: string;
  annotationId: string;
  verificationCode: string;
}

/** Idempotency key of a certificate's quota slot: known in advance, so the cleanup can remove the records. */
export const slotKey = (certId: string, slot: number): string => `${certId}-q${slot}`;
/** Slot 0 is the prepared annotation; these are left for the run. */
export const RUN_SLOTS = [1, 2] as const;

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const csvLine = (values: readonly string[]) => values.join(',');

/** The CSV payloads Artillery reads (values are ids, tokens and the test password: no commas, no quotes). */
export async function writePayloads(dir: string, holders: readonly PreparedHolder[]): Promise<void> {
  const rows: Record<PayloadName, string[][]> = {
    holders: holders.map((h) => [h.person.idType, h.person.idNumber, h.person.password, h.certId, h.token]),
    applySlots: RUN_SLOTS.flatMap((slot) => holders.map((h) => [h.certId, h.token, slotKey(h.certId, slot)])),
    ready: holders.map((h) => [h.certId, h.token, h.annotationId, h.verificationCode]),
  };
  for (const [name, spec] of Object.entries(PAYLOAD_FILES) as Array<[PayloadName, (typeof PAYLOAD_FILES)[PayloadName]]>) {
    const lines = [csvLine(spec.fields), ...rows[name].map(csvLine)];
    await writeFile(join(dir, spec.file), `${lines.join('\n')}\n`, { mode: 0o600 });
  }
}

/** The cleanup list: one certId per line with the idempotency keys its holder may have used. */
export const cleanupList = (certIds: readonly string[]): string =>
  certIds.map((certId) => [certId, slotKey(certId, 0), ...RUN_SLOTS.map((slot) => slotKey(certId, slot))].join(' ')).join('\n') + '\n';

export const CLEANUP_FILE = 'test-records.txt';

export async function prepareLoadData(
  target: ToolTarget,
  options: { runId: string; holders: number; dir: string; runner: StepRunner; concurrency?: number; readyTimeoutMs?: number },
): Promise<PreparedHolder[] | undefined> {
  const { runner, dir } = options;
  const concurrency = options.concurrency ?? 4;
  const api = new HolderApi(target.apiUrl, { retryThrottled: true, registrationCode: (person) => recoveryCode(person, target.cliArgs) });
  const records = Array.from({ length: options.holders }, (_, i) => testCertificateRecord('load', options.runId, i));
  await mkdir(dir, { recursive: true });
  // Written first: whatever happens next, the cleanup knows every certificate this run may have made.
  await writeFile(join(dir, CLEANUP_FILE), cleanupList(records.map((r) => r.certId)));

  const people: TestPerson[] = records.map((r) => ({ name: r.holderName, idType: r.idType, idNumber: r.idNumber, password: TEST_PASSWORD }));
  const tokens: string[] = [];
  const annotations: Array<{ annotationId: string; verificationCode: string }> = [];

  await runner.step(`import ${records.length} test certificates (ecert import)`, async () => {
    const file = join(dir, 'certificates.jsonl');
    await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n', { mode: 0o600 });
    try {
      const { out } = await ecertOk(['import', file, '--no-progress', ...target.cliArgs]);
      return out.join(' | ');
    } finally {
      await rm(file, { force: true });
    }
  });
  await runner.step(`register ${people.length} holders`, async () => {
    await inParallel(people, concurrency, (person) => api.register(person));
  });
  await runner.step(`log in ${people.length} holders, accept the notice`, async () => {
    await inParallel(people, concurrency, async (person, i) => {
      tokens[i] = (await api.login(person)).token;
      await api.acceptCurrentNotice(tokens[i]!);
    });
  });
  await runner.step(`apply once per certificate, wait for READY`, async () => {
    await inParallel(records, concurrency, async (record, i) => {
      const applied = await api.apply(tokens[i]!, record.certId, { validDays: 1, idempotencyKey: slotKey(record.certId, 0) });
      const { annotation } = await api.waitUntilSettled(tokens[i]!, record.certId, applied.annotationId, options.readyTimeoutMs ?? 120_000);
      if (annotation.status !== 'READY' || !annotation.verificationCode) throw new Error(`${record.certId}: annotation ${annotation.status}`);
      annotations[i] = { annotationId: annotation.annotationId, verificationCode: annotation.verificationCode };
    });
  });
  // First calls of each route pay a cold start; the ones preparation did not make are made here, once.
  await runner.step('warm the routes the preparation did not call', async () => {
    const first = annotations[0]!;
    await api.certificateIds(tokens[0]!);
    await api.call('GET', `/v1/certificates/${records[0]!.certId}`, { token: tokens[0]! });
    await api.call('GET', `/v1/certificates/${records[0]!.certId}/annotations`, { token: tokens[0]! });
    await api.downloadLink(tokens[0]!, records[0]!.certId, first.annotationId);
    await api.verifyCode(first.verificationCode);
  });
  if (!runner.ok) return undefined;
  const prepared = records.map((record, i) => ({ person: people[i]!, certId: record.certId, token: tokens[i]!, ...annotations[i]! }));
  await writePayloads(dir, prepared);
  return prepared;
}

/**
 * Waits until no annotation of the run is PENDING (the applications the run made are still rendering when it ends):
 * the removal refuses certificates with a render in flight, and the render figures include them.
 */
export async function waitForRendersToSettle(target: ToolTarget, holders: readonly PreparedHolder[], timeoutMs: number): Promise<string> {
  const api = new HolderApi(target.apiUrl, { retryThrottled: true });
  const deadline = Date.now() + timeoutMs;
  let pending = holders.length;
  let failed = 0;
  let total = 0;
  while (Date.now() < deadline) {
    const lists = await inParallel(holders, 8, (h) =>
      api.call<{ items: Array<{ status: string }> }>('GET', `/v1/certificates/${h.certId}/annotations`, { token: h.token }),
    );
    const statuses = lists.flatMap((list) => list.body.items.map((item) => item.status));
    pending = statuses.filter((s) => s === 'PENDING').length;
    failed = statuses.filter((s) => s === 'FAILED').length;
    total = statuses.length;
    if (pending === 0) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (pending > 0) throw new Error(`${pending} annotation(s) still PENDING after ${Math.round(timeoutMs / 1000)} s`);
  if (failed > 0) throw new Error(`${failed} of ${total} annotations FAILED`);
  return `${total} annotations, none PENDING or FAILED`;
}
