import { getSecret } from '../../shared/config/secrets';
import { upsertCertificate } from '../../shared/repository/certificates';
import { certificateRecord } from './factories';
import { readyHolder, type HolderSession } from './holder-client';
import type { TestStack } from './local-stack';

/** A certificate imported, its holder registered, an annotation applied for, rendered by the pipeline and downloaded. */
export interface IssuedPdf {
  certId: string;
  idNumber: string;
  holderName: string;
  annotationId: string;
  code: string;
  pdf: Uint8Array;
  holder: HolderSession;
}

export async function issueAnnotatedPdf(stack: TestStack, holderName = '林𠮷'): Promise<IssuedPdf> {
  const record = certificateRecord({ holderName });
  await upsertCertificate(record, await getSecret('idHashKey'));
  const holder = await readyHolder(stack, { name: holderName, idNumber: record.idNumber });
  const applied = (await (await holder.post(`/v1/certificates/${record.certId}/annotations`, { scenario: 'SELF_USE', validDays: 30 })).json()) as {
    annotationId: string;
  };
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
