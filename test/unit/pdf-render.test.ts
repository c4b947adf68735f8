import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderAnnotatedCertificate, type AnnotatedCertificateInput } from '../../shared/pdf/annotated-certificate';
import { UnrenderableCharacterError } from '../../shared/pdf/fonts';
import { findQualification } from '../../shared/domain/qualifications';
import { findScenario } from '../../shared/domain/scenarios';
import { shanghaiDateTime } from '../../shared/domain/annotation';
import type { Certificate } from '../../shared/domain/certificate';
import { certificateRecord } from '../support/factories';
import { drawnGlyphs, missingGlyphs } from '../support/pdf-glyphs';

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

  it('renders to a page a person can see (pdftoppm), with ink where the name is', async () => {
    const hasPoppler = spawnSync('pdftoppm', ['-v']).error === undefined;
    if (!hasPoppler) throw new Error('pdftoppm (Debian poppler-utils) is required; .ci/run installs it');
    const dir = mkdtempSync(join(tmpdir(), 'ecert-render-'));
    const pdf = join(dir, 'cert.pdf');
    writeFileSync(pdf, await renderAnnotatedCertificate(input({ holderName: '林𠮷' })));
    // 36 dpi greyscale: the page is 298 × 421 px; the name sits at about x 111–160, y 112–125.
    execFileSync('pdftoppm', ['-gray', '-r', '36', '-singlefile', pdf, join(dir, 'page')]);
    const pgm = readFileSync(join(dir, 'page.pgm'));
    const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.toString('latin1', 0, 40))!;
    const [width, height] = [Number(header[1]), Number(header[2])];
    const pixels = pgm.subarray(header[0].length);
    const dark = (x0: number, y0: number, x1: number, y1: number) => {
      let count = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (pixels[y * width + x]! < 160) count++;
      return count;
    };
    expect([width, height]).toEqual([298, 421]);
    expect(dark(108, 104, 140, 124)).toBeGreaterThan(15);
    // and the corner of the margin is paper.
    expect(dark(2, 2, 10, 10)).toBe(0);
  });
});
