import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getSecret } from '../../shared/config/secrets';
import { CURRENT_NOTICE } from '../../shared/domain/notice';
import { SECRETS } from '../../shared/config/secrets';
import { attachElectronicFile, upsertCertificate } from '../../shared/repository/certificates';
import { certificateRecord, residentId } from './factories';
import { jsonInit, login, register, sessionFor, type HolderSession } from './holder-client';
import type { TestStack } from './local-stack';
import { minimalPdf } from './pdf';

/**
 * Holders with something to protect, for the security tests: each has an e-certificate with a READY annotation (a
 * real rendered, signed PDF), and a pre-2021 certificate with an electronic file, all reached through the real API.
 */
export interface Enrolled {
  name: string;
  idNumber: string;
  password: string;
  holderId: string;
  token: string;
  session: HolderSession;
}

export interface Estate extends Enrolled {
  /** An e-certificate (issued after 2021-12-17) with one READY annotation. */
  certId: string;
  /** A legacy certificate (before 2021-12-17) with a certificate electronic file. */
  legacyCertId: string;
  annotationId: string;
  verificationCode: string;
  documentSha256: string;
  /** The annotated PDF as the holder downloads it. */
  pdf: Uint8Array;
  /** What the API shows of the ID number. */
  idNumberMasked: string;
}

/** Registers and logs in through the API; accepts the current notice unless told not to. */
export async function enrol(
  stack: TestStack,
  person: { name: string; idNumber?: string; password: string },
  { acceptNotice = true } = {},
): Promise<Enrolled> {
  const idNumber = person.idNumber ?? residentId('19850709');
  const registered = await register(stack, { ...person, idNumber });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
  const loggedIn = await login(stack, { idNumber, password: person.password });
  if (loggedIn.status !== 200) throw new Error(`login failed: ${loggedIn.status}`);
  const { token, holderId } = (await loggedIn.json()) as { token: string; holderId: string };
  const session = sessionFor(stack, token, holderId);
  if (acceptNotice) {
    const accepted = await session.post('/v1/notice/acceptance', { version: CURRENT_NOTICE.version });
    if (accepted.status !== 204) throw new Error(`notice acceptance failed: ${accepted.status}`);
  }
  return { name: person.name, idNumber, password: person.password, holderId, token, session };
}

/** A holder with an e-certificate carrying a READY annotation and a legacy certificate with an electronic file. */
export async function enrolWithEstate(stack: TestStack, person: { name: string; password: string }): Promise<Estate> {
  const idHashKey = await getSecret('idHashKey');
  const ecert = certificateRecord({ holderName: person.name });
  const legacy = certificateRecord({
    holderName: person.name,
    idNumber: ecert.idNumber,
    qualificationCode: 'AUDIT',
    approvalDate: '2019-01-05',
    issuedAt: '2019-03-01',
  });
  await upsertCertificate(ecert, idHashKey);
  await upsertCertificate(legacy, idHashKey);
  await attachElectronicFile(legacy.certId, minimalPdf(`legacy ${legacy.certId}`));
  const holder = await enrol(stack, { ...person, idNumber: ecert.idNumber });

  const applied = await holder.session.post(`/v1/certificates/${ecert.certId}/annotations`, { scenario: 'SELF_USE', validDays: 30 });
  if (applied.status !== 202) throw new Error(`apply failed: ${applied.status} ${await applied.text()}`);
  const { annotationId } = (await applied.json()) as { annotationId: string };
  const path = `/v1/certificates/${ecert.certId}/annotations/${annotationId}`;
  const deadline = Date.now() + 30_000;
  let annotation: { status: string; verificationCode?: string; documentSha256?: string };
  for (;;) {
    annotation = (await (await holder.session.get(path)).json()) as typeof annotation;
    if (annotation.status === 'READY') break;
    if (Date.now() > deadline) throw new Error(`annotation stayed ${annotation.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const link = (await (await holder.session.get(`${path}/download`)).json()) as { url: string };
  const pdf = new Uint8Array(await (await fetch(link.url)).arrayBuffer());
  const view = (await (await holder.session.get(`/v1/certificates/${ecert.certId}`)).json()) as { idNumberMasked: string };
  return {
    ...holder,
    certId: ecert.certId,
    legacyCertId: legacy.certId,
    annotationId,
    verificationCode: annotation.verificationCode!,
    documentSha256: annotation.documentSha256!,
    pdf,
    idNumberMasked: view.idNumberMasked,
  };
}

/** Changes a holder's password through the API (which ends every session it had). */
export async function changePassword(stack: TestStack, holder: Enrolled, newPassword: string): Promise<void> {
  const changed = await stack.api(
    '/v1/accounts/me/password',
    jsonInit('PUT', { currentPassword: holder.password, newPassword }, { authorization: `Bearer ${holder.token}` }),
  );
  if (changed.status !== 204) throw new Error(`password change failed: ${changed.status}`);
}

/** The stack's JWT signing key, read where the local runtime keeps it (its secrets folder), as the handlers read it. */
export async function jwtKey(stack: TestStack): Promise<Uint8Array> {
  const secret = (await readFile(join(stack.target.secretsDir, SECRETS.jwtKey.localFile), 'utf8')).trim();
  return new TextEncoder().encode(secret);
}
