import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument, StandardFonts, rgb } from '@cantoo/pdf-lib';
import { getSecret } from '../../shared/config/secrets';
import { importRowStream } from '../../shared/cli/importer';
import { readRows } from '../../shared/cli/sources';
import { attachElectronicFile, revokeCertificate } from '../../shared/repository/certificates';
import type { LocalTarget } from './target';
import { REPO_ROOT } from './handlers';

/**
 * Demo data for the first `npm start`: several certificates across qualification types (MOHRSS and industry seals),
 * one issued before 2021-12-17 with a certificate electronic file, one revoked, and a holder whose name has a CJK
 * Extension B character (林𠮷). Loaded through the operator import path, so the demo exercises the real code.
 */
export const DEMO_CERTIFICATES_FILE = join(REPO_ROOT, 'assets/demo/certificates.jsonl');
export const DEMO_LEGACY_CERT_ID = 'Z2020113000781';
export const DEMO_REVOKED_CERT_ID = 'Z2022091800316';
const MARKER = 'demo-seeded.json';

/** A plain stand-in for a scanned legacy certificate file; real ones are uploaded with `ecert attach-file`. */
async function legacyElectronicFile(certId: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`Certificate electronic file ${certId}`);
  const page = pdf.addPage([595.28, 841.89]);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  page.drawRectangle({ x: 36, y: 36, width: 523, height: 770, borderColor: rgb(0.6, 0.1, 0.1), borderWidth: 2 });
  const lines = [
    'Certificate electronic file (demo)',
    `Management number: ${certId}`,
    'Qualification: AUDIT, intermediate level',
    'Issued: 2020-11-30 (before 2021-12-17: no annotation needed)',
  ];
  lines.forEach((text, i) => page.drawText(text, { x: 72, y: 740 - i * 28, size: i === 0 ? 20 : 13, font }));
  return pdf.save();
}

export async function seedDemoData({ dataDir }: { target: LocalTarget; dataDir: string }): Promise<void> {
  const marker = join(dataDir, MARKER);
  if (await access(marker).then(() => true, () => false)) return;

  const summary = await importRowStream(readRows(DEMO_CERTIFICATES_FILE, 'jsonl'), {
    idHashKey: await getSecret('idHashKey'),
  });
  if (summary.failed > 0) throw new Error(`demo data: ${summary.failed} certificate row(s) failed to import`);
  await attachElectronicFile(DEMO_LEGACY_CERT_ID, await legacyElectronicFile(DEMO_LEGACY_CERT_ID));
  await revokeCertificate(DEMO_REVOKED_CERT_ID, '证书信息有误，已收回注销（演示数据）');
  await writeFile(marker, JSON.stringify({ seededAt: new Date().toISOString(), certificates: summary.imported }));
  console.log(`demo data: ${summary.imported} certificates loaded (one legacy with an electronic file, one revoked)`);
}

export const DEMO_HINTS = (_api: string): string =>
  `
Demo data: 8 certificates in ${DEMO_CERTIFICATES_FILE.replace(`${REPO_ROOT}/`, '')}
  (holders 张伟, 王芳, 林𠮷, 艾力·买买提, MÜLLER ANNA; ${DEMO_LEGACY_CERT_ID} is a legacy certificate with an
  electronic file, ${DEMO_REVOKED_CERT_ID} is revoked). Load your own with: npm run ecert -- import <file>
`;
