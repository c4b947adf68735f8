/**
 * Renders the demo annotated certificate (the Ext-B holder 林𠮷) as the sealed PDF (test seal: file CA, in-process
 * TSA) and page 1 to PNG (MuPDF, 110 dpi), for docs/images. Run: npx tsx test/support/render-sample.ts [out-dir]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderSignedCertificate } from '../../shared/pdf/signed-certificate';
import { testSeal } from './sealer';
import { findQualification } from '../../shared/domain/qualifications';
import { findScenario } from '../../shared/domain/scenarios';
import { validityWindow } from '../../shared/domain/annotation';
import type { Certificate } from '../../shared/domain/certificate';
import { pagePng } from './pdf-raster';

const outDir = resolve(process.argv[2] ?? 'docs/images');
const rows = readFileSync('assets/demo/certificates.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const row = rows.find((r: { certId: string }) => r.certId === 'Z2024021600052');
const certificate: Certificate = { ...row, specialty: row.specialty || undefined, status: 'VALID', importedAt: '', updatedAt: '' };
const appliedAt = new Date('2026-11-22T07:00:00Z');
const { validFrom, validUntil } = validityWindow(appliedAt, 90);
const { sealer } = await testSeal();
const bytes = await renderSignedCertificate({
  certificate,
  qualification: findQualification(certificate.qualificationCode)!,
  scenario: findScenario('SELF_USE')!,
  annotation: {
    annotationId: '01KAQ3V9ZQ6X4M2N8P5R7T1VBD',
    appliedAt: appliedAt.toISOString(),
    validFrom: validFrom.toISOString(),
    validUntil: validUntil.toISOString(),
    validDays: 90,
    verificationCode: '7K3QF9X2MA0RT5VBC4DE',
  },
  verificationUrl: 'http://127.0.0.1:3000/v1/verify/7K3QF9X2MA0RT5VBC4DE',
}, sealer);
mkdirSync(outDir, { recursive: true });
const pdf = join(outDir, 'annotated-certificate.pdf');
writeFileSync(pdf, bytes);
writeFileSync(join(outDir, 'annotated-certificate.png'), pagePng(bytes, { dpi: 110 }));
console.log(`${pdf} (${bytes.length} bytes) and annotated-certificate.png`);
