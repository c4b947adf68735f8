import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAnnotatedCertificate, type AnnotatedCertificateInput } from '../../shared/pdf/annotated-certificate';
import { UnrenderableCharacterError } from '../../shared/pdf/fonts';
import { findQualification } from '../../shared/domain/qualifications';
import { findScenario } from '../../shared/domain/scenarios';
import { shanghaiDateTime } from '../../shared/domain/annotation';
import type { Certificate } from '../../shared/domain/certificate';
import { certificateRecord } from '../support/factories';
import { drawnGlyphs, missingGlyphs } from '../support/pdf-glyphs';
import { inkIn, pagePng, rasterizePage } from '../support/pdf-raster';
import { REPO_ROOT } from '../support/processes';

const PNG_DIR = join(REPO_ROOT, 'test-results/pdf');

function input(overrides: Partial<Certificate> = {}, qualificationCode = 'ECONOMICS'): AnnotatedCertificateInput {
  const certificate: Certificate = {
    ...certificateRecord({ qualificationCode }),
    status: 'VALID',
    importedAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    ...overrides,
  };
  return {
    certificate,
    qualification: findQualification(certificate.qualificationCode)!,
    scenario: findScenario('SELF_USE')!,
    annotation: {
      annotationId: '01JD7Q3V9ZQ6X4M2N8P5R7T1VB',
      appliedAt: '2026-11-22T07:00:00.000Z',
      validFrom: '2026-11-22T07:00:00.000Z',
      validUntil: '2027-02-20T07:00:00.000Z',
      validDays: 90,
      verificationCode: 'q7Vb2nX9kLm4Pz8RtYw3Hc6J',
    },
    verificationUrl: 'https://ecert.example/v1/verify/q7Vb2nX9kLm4Pz8RtYw3Hc6J',
  };
}

/** Every string the page prints for this input — what a person must be able to read. */
function printedText(i: AnnotatedCertificateInput): string {
  const c = i.certificate;
  return [
    c.holderName,
    c.idNumber,
    c.certId,
    c.level,
    c.specialty ?? '',
    c.issuer,
    i.qualification.name,
    i.qualification.sealName,
    i.scenario.label,
    i.scenario.watermark,
    i.annotation.annotationId,
    shanghaiDateTime(i.annotation.validFrom),
    shanghaiDateTime(i.annotation.validUntil),
    '中华人民共和国专业技术人员职业资格证书电子证书加注信息使用场景有效期北京时间批准日期管理号签发单位',
  ].join('');
}

describe('annotated certificate PDF', () => {
  it.each([
    ['an ordinary name', '张伟'],
    ['an Extension-B name', '林𠮷'],
    ['several Extension-B characters and a separator', '𪚥𠀾·𡈽子'],
    ['a Latin name with diacritics', 'MÜLLER ANNA'],
  ])('draws every character of %s with a non-empty glyph', async (_label, holderName) => {
    // Prepare
    const doc = input({ holderName, specialty: '人力资源管理' });
    // Act
    const bytes = await renderAnnotatedCertificate(doc);
    // Assess
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
    expect(await missingGlyphs(bytes, printedText(doc))).toEqual([]);
    const glyphs = await drawnGlyphs(bytes);
    // No glyph at all may be empty except the space.
    expect(glyphs.filter((g) => g.commands === 0 && !/^\s*$/.test(g.text))).toEqual([]);
  });

  it('uses the Extension-B fallback face only for the characters the main face lacks', async () => {
    const bytes = await renderAnnotatedCertificate(input({ holderName: '林𠮷' }));
    const glyphs = await drawnGlyphs(bytes);
    const hana = glyphs.filter((g) => g.font.includes('HanaMinB'));
    expect(hana.map((g) => g.text)).toEqual(['𠮷']);
    expect(glyphs.find((g) => g.text === '林')?.font).toContain('NotoSerifSC');
  });

  it('embeds no HanaMinB at all when no character needs it', async () => {
    const glyphs = await drawnGlyphs(await renderAnnotatedCertificate(input({ holderName: '张伟' })));
    expect(glyphs.some((g) => g.font.includes('HanaMinB'))).toBe(false);
  });

  it('is deterministic: the same annotation renders the same bytes', async () => {
    const doc = input({ holderName: '林𠮷' });
    const a = await renderAnnotatedCertificate(doc);
    const b = await renderAnnotatedCertificate(doc);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('refuses a character no font can draw instead of printing a blank box', async () => {
    // Tifinagh YA: a letter (so a valid name character) that neither Noto Serif SC nor HanaMinB has.
    const attempt = renderAnnotatedCertificate(input({ holderName: '张ⴰ' }));
    await expect(attempt).rejects.toBeInstanceOf(UnrenderableCharacterError);
    await expect(attempt).rejects.toMatchObject({ codePoint: 'U+2D30' });
  });

  it('prints both seal kinds and stays small', async () => {
    for (const code of ['ECONOMICS', 'BANKING']) {
      const doc = input({ holderName: '林𠮷' }, code);
      const bytes = await renderAnnotatedCertificate(doc);
      expect(await missingGlyphs(bytes, doc.qualification.sealName)).toEqual([]);
      expect(bytes.length).toBeLessThan(80 * 1024);
    }
  });

  it('renders to a page a person can see (MuPDF), with ink where the name is and in each of its characters', async () => {
    // Prepare
    const doc = input({ holderName: '林𠮷' });
    const pdf = await renderAnnotatedCertificate(doc);
    // Act
    const png = pagePng(pdf, { dpi: 110 });
    const page = rasterizePage(pdf, { dpi: 36 });
    const sharp = rasterizePage(pdf, { dpi: 72, find: [...doc.certificate.holderName] });
    // Assess: the page a person looks at (test-results/pdf/annotated-certificate.png, open it when the layout changes).
    mkdirSync(PNG_DIR, { recursive: true });
    writeFileSync(join(PNG_DIR, 'annotated-certificate.png'), png);
    expect(Buffer.from(png.subarray(0, 8)).toString('hex')).toBe('89504e470d0a1a0a');
    // 36 dpi: the page is 298 × 421 px; the name sits at about x 111–160, y 112–125.
    expect([page.width, page.height]).toEqual([298, 421]);
    expect(inkIn(page, { x0: 108, y0: 104, x1: 140, y1: 124 })).toBeGreaterThan(15);
    // and the corner of the margin is paper.
    expect(inkIn(page, { x0: 2, y0: 2, x1: 10, y1: 10 })).toBe(0);
    // Each character of the name is on the page once, where MuPDF finds it, and drawn with ink: a glyph without an
    // outline would leave its box blank.
    for (const char of doc.certificate.holderName) {
      const boxes = sharp.found.get(char)!;
      expect(boxes, char).toHaveLength(1);
      expect(inkIn(sharp, boxes[0]!), char).toBeGreaterThan(15);
    }
  });
});
