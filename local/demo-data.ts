import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getSecret } from '../shared/config/secrets';
import { importRowStream } from '../shared/import/importer';
import { readRows } from '../shared/import/sources';
import { attachElectronicFile, revokeCertificate } from '../shared/repository/certificates';
import { AlreadyRegisteredError, createHolder } from '../shared/repository/holders';
import { hashPassword } from '../shared/auth/password';
import { AUDIT_ACTIONS, changeStamp } from '../shared/domain/audit';
import { idHash } from '../shared/domain/id-hash';
import { maskIdNumber, type IdType } from '../shared/domain/identity';
import type { LocalTarget } from '../shared/target/local-target';
import { REPO_ROOT } from '../shared/repo-root';

/**
 * Demo data for the first `npm start`: several certificates across qualification types (MOHRSS and industry seals),
 * one issued before 2021-12-17 with a certificate electronic file, one revoked, and a holder whose name has a CJK
 * Extension B character (林𠮷). Loaded through the operator import path, so the demo exercises the real code.
 */
export const DEMO_CERTIFICATES_FILE = join(REPO_ROOT, 'assets/demo/certificates.jsonl');
export const DEMO_LEGACY_CERT_ID = 'Z2020113000781';
export const DEMO_REVOKED_CERT_ID = 'Z2022091800316';
const MARKER = 'demo-seeded.json';
/** Bumped when the demo grows; every seeding step is idempotent, so an older data folder is topped up. */
const DEMO_VERSION = 3;
/** Printed in the banner; only ever used on the local stack. */
export const DEMO_PASSWORD = 'Demo-2026-pass';
/** Holders registered for the demo (the others are left for trying registration yourself). */
const DEMO_HOLDER_NAMES = ['张伟', '王芳', '林𠮷'];

interface DemoRow {
  certId: string;
  holderName: string;
  idType: IdType;
  idNumber: string;
}

async function demoRows(): Promise<DemoRow[]> {
  return (await readFile(DEMO_CERTIFICATES_FILE, 'utf8'))
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as DemoRow);
}

async function seedDemoHolders(key: string): Promise<void> {
  const seen = new Set<string>();
  for (const row of await demoRows()) {
    if (!DEMO_HOLDER_NAMES.includes(row.holderName) || seen.has(row.idNumber)) continue;
    seen.add(row.idNumber);
    await createHolder({
      holderId: randomUUID(),
      name: row.holderName,
      idType: row.idType,
      idHash: idHash(key, row.idType, row.idNumber),
      idNumberMasked: maskIdNumber(row.idNumber),
      passwordHash: await hashPassword(DEMO_PASSWORD),
      createdAt: new Date().toISOString(),
    }, changeStamp({ action: AUDIT_ACTIONS.accountSeed, actor: { kind: 'system', id: 'local-demo-data' }, source: { via: 'npm start' } })).catch((error) => {
      if (!(error instanceof AlreadyRegisteredError)) throw error;
    });
  }
}

/**
 * A plain stand-in for a scanned legacy certificate file (real ones are uploaded with `ecert attach-file`), in Chinese
 * like the real ones. It names no electronic seal: certificates from before 2021-12-17 have none (R1).
 */
export async function legacyElectronicFile(certId: string): Promise<Uint8Array> {
  // Loaded here, not with the module: only the first start seeds, and every restart would pay for pdf-lib and fontkit.
  const [{ PDFDocument, rgb }, { cachedFontkit, loadFaces }] = await Promise.all([import('@cantoo/pdf-lib'), import('../shared/pdf/fonts')]);
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(cachedFontkit);
  pdf.setTitle(`证书电子文件 ${certId}（演示）`);
  pdf.setLanguage('zh-CN');
  const page = pdf.addPage([595.28, 841.89]);
  const font = await pdf.embedFont(loadFaces().serif.bytes, { subset: true });
  page.drawRectangle({ x: 36, y: 36, width: 523, height: 770, borderColor: rgb(0.6, 0.1, 0.1), borderWidth: 2 });
  const lines = [
    '证书电子文件（演示）',
    `管理号：${certId}`,
    '资格名称：审计专业技术资格（中级）',
    '签发日期：2020年11月30日',
    '本证书于2021年12月17日以前取得，无需加注，',
    '可直接查看和下载本证书电子文件。',
  ];
  lines.forEach((text, i) => page.drawText(text, { x: 72, y: 740 - i * 30, size: i === 0 ? 22 : 14, font }));
  return pdf.save();
}

export async function seedDemoData({ dataDir }: { target: LocalTarget; dataDir: string }): Promise<void> {
  const marker = join(dataDir, MARKER);
  const seeded = await readFile(marker, 'utf8').then((text) => JSON.parse(text) as { version?: number }, () => undefined);
  if ((seeded?.version ?? 0) >= DEMO_VERSION) return;

  const key = await getSecret('idHashKey');
  const summary = await importRowStream(readRows(DEMO_CERTIFICATES_FILE, 'jsonl'), { idHashKey: key });
  if (summary.failed > 0) throw new Error(`demo data: ${summary.failed} certificate row(s) failed to import`);
  await attachElectronicFile(DEMO_LEGACY_CERT_ID, await legacyElectronicFile(DEMO_LEGACY_CERT_ID));
  await revokeCertificate(DEMO_REVOKED_CERT_ID, '证书信息有误，已收回注销（演示数据）');
  await seedDemoHolders(key);
  await writeFile(
    marker,
    JSON.stringify({ version: DEMO_VERSION, seededAt: new Date().toISOString(), certificates: summary.imported }),
  );
  console.log(
    `demo data: ${summary.imported} certificates loaded (one legacy with an electronic file, one revoked), ${DEMO_HOLDER_NAMES.length} demo holders`,
  );
}

export const DEMO_HINTS = (api: string): string =>
  `
Demo data: 8 certificates in ${DEMO_CERTIFICATES_FILE.replace(`${REPO_ROOT}/`, '')}; ${DEMO_LEGACY_CERT_ID} is a legacy
certificate with an electronic file, ${DEMO_REVOKED_CERT_ID} is revoked. Demo holders (password ${DEMO_PASSWORD}):
  张伟   RESIDENT_ID 110105198803151232   (2 certificates)
  王芳   RESIDENT_ID 310104199006222427   (legacy + revoked)
  林𠮷   RESIDENT_ID 44030619920101567X   (Extension-B name, MOHRSS + industry seal)
Log in:
  curl -s ${api}/v1/sessions -H 'content-type: application/json' \\
    -d '{"idType":"RESIDENT_ID","idNumber":"110105198803151232","password":"${DEMO_PASSWORD}"}'
Load your own certificates with: npm run ecert -- import <file>
`;
