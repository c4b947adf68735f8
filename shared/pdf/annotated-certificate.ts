import { PDFDict, PDFDocument, PDFName, PDFString, rgb, type PDFPage } from '@cantoo/pdf-lib';
import type { Annotation } from '../domain/annotation';
import { shanghaiDateTime } from '../domain/annotation';
import type { Certificate } from '../domain/certificate';
import { ID_TYPE_LABELS } from '../domain/identity';
import type { Qualification } from '../domain/qualifications';
import type { Scenario } from '../domain/scenarios';
import { cachedFontkit, loadFaces } from './fonts';
import { drawSeal } from './seal';
import { drawQrCode } from './qr';
import { TextWriter } from './text';

/**
 * The annotated e-certificate (加注件), one A4 page: title and qualification, the holder's particulars (their own
 * official copy, so the full ID number), the approval data and management number, the issuer and the seal (R9), the
 * annotation block, a diagonal watermark naming scenario and expiry, and a reserved verification area.
 *
 * The output is a pure function of its input (fixed document dates, no random ids), so a duplicate delivery renders
 * the very same bytes and the stored SHA-256 stays true whichever render wins.
 */
export interface AnnotatedCertificateInput {
  certificate: Certificate;
  qualification: Qualification;
  annotation: Pick<Annotation, 'annotationId' | 'appliedAt' | 'validFrom' | 'validUntil' | 'validDays' | 'verificationCode'>;
  scenario: Scenario;
  /** Where the QR code points: `{public base URL}/v1/verify/{code}`. */
  verificationUrl: string;
}

export const PAGE = { width: 595.28, height: 841.89 } as const;
/** The verification code and its QR code, lower left; kept clear of everything else. */
export const VERIFICATION_AREA = { x: 62, y: 200, width: 150, height: 160 } as const;
/** Document-info entry holding the verification code. */
export const VERIFICATION_INFO_KEY = 'EcertVerificationCode';
/** The visible seal, lower right; the signature widget covers it so a reader shows the signer when it is clicked. */
export const SEAL = { cx: 448, cy: 282, radius: 70 } as const;

const INK = rgb(0.13, 0.13, 0.15);
const MUTED = rgb(0.38, 0.38, 0.42);
const CRIMSON = rgb(0.62, 0.1, 0.12);
const GOLD = rgb(0.72, 0.56, 0.26);

const dateZh = (isoDate: string) => {
  const [y, m, d] = isoDate.slice(0, 10).split('-');
  return `${y}年${m}月${d}日`;
};

/** Fonts are parsed at module load, i.e. once per Lambda container, never per PDF. */
export function warmUpRenderer(): void {
  loadFaces();
}

function drawFrame(page: PDFPage): void {
  const { width, height } = PAGE;
  page.drawRectangle({ x: 0, y: 0, width, height, color: rgb(1, 0.995, 0.975) });
  page.drawRectangle({ x: 26, y: 26, width: width - 52, height: height - 52, borderColor: CRIMSON, borderWidth: 2.4 });
  page.drawRectangle({ x: 33, y: 33, width: width - 66, height: height - 66, borderColor: GOLD, borderWidth: 0.8 });
  // Corner marks inside the gold frame.
  for (const [x, y] of [
    [40, 40],
    [width - 52, 40],
    [40, height - 52],
    [width - 52, height - 52],
  ] as const) {
    page.drawRectangle({ x, y, width: 12, height: 12, borderColor: GOLD, borderWidth: 0.8 });
  }
}

export async function renderAnnotatedCertificate(input: AnnotatedCertificateInput): Promise<Uint8Array> {
  const { certificate: cert, qualification: q, annotation, scenario } = input;
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.registerFontkit(cachedFontkit);
  const appliedAt = new Date(annotation.appliedAt);
  pdf.setTitle(`${q.name} 电子证书（加注件） ${cert.certId}`, { showInWindowTitleBar: true });
  pdf.setSubject(`${scenario.label}，有效期至${shanghaiDateTime(annotation.validUntil)}（北京时间）`);
  pdf.setAuthor(cert.issuer);
  pdf.setCreator('ecert');
  pdf.setProducer('ecert');
  pdf.setCreationDate(appliedAt);
  pdf.setModificationDate(appliedAt);
  pdf.setLanguage('zh-CN');
  // Machine-readable pointer back to the record: `POST /v1/verify/document` finds the annotation by it.
  pdf.context
    .lookup(pdf.context.trailerInfo.Info, PDFDict)
    .set(PDFName.of(VERIFICATION_INFO_KEY), PDFString.of(annotation.verificationCode));

  const page = pdf.addPage([PAGE.width, PAGE.height]);
  const text = new TextWriter(pdf);
  const center = PAGE.width / 2;
  drawFrame(page);

  // Title block.
  await text.draw(page, '中华人民共和国', { x: center, y: 758, size: 15, color: CRIMSON, align: 'center', spacing: 4 });
  await text.draw(page, '专业技术人员职业资格证书', { x: center, y: 718, size: 27, bold: true, color: CRIMSON, align: 'center', spacing: 2 });
  await text.draw(page, '电 子 证 书', { x: center, y: 690, size: 12, color: MUTED, align: 'center', spacing: 2 });
  const titleSize = await text.fit(q.name, 19, 440, true);
  await text.draw(page, q.name, { x: center, y: 656, size: titleSize, bold: true, color: INK, align: 'center' });
  page.drawLine({ start: { x: 90, y: 640 }, end: { x: PAGE.width - 90, y: 640 }, thickness: 0.8, color: GOLD });

  // Particulars.
  const rows: Array<[string, string]> = [
    ['姓　　名', cert.holderName],
    ['证件类型', ID_TYPE_LABELS[cert.idType]],
    ['证件号码', cert.idNumber],
    ['资格名称', q.name],
    ['级　　别', cert.level],
    ...(cert.specialty ? ([['专　　业', cert.specialty]] as Array<[string, string]>) : []),
    ['批准日期', dateZh(cert.approvalDate)],
    ['管 理 号', cert.certId],
    ['签发单位', cert.issuer],
    ['签发日期', dateZh(cert.issuedAt)],
  ];
  const labelX = 200;
  const valueX = 222;
  const valueWidth = PAGE.width - 70 - valueX;
  let y = 606;
  const step = rows.length > 9 ? 27 : 29;
  for (const [label, value] of rows) {
    await text.draw(page, label, { x: labelX, y, size: 12.5, color: MUTED, align: 'right' });
    await text.draw(page, '：', { x: labelX + 2, y, size: 12.5, color: MUTED });
    // The name is set larger, not bolder: a rare character from the fallback face has no bold, and mixed weights
    // inside one name would look like a mistake.
    const size = await text.fit(value, label.startsWith('姓') ? 15.5 : 13, valueWidth);
    await text.draw(page, value, { x: valueX, y, size, color: INK });
    y -= step;
  }

  // Seal of the authority (R9), lower right; the verification area stays clear at lower left.
  await drawSeal(page, text, {
    ...SEAL,
    name: q.sealName,
    fallbackBottomLine: '电子印章',
  });
  // As on the paper certificate, the date sits under the seal.
  await text.draw(page, dateZh(cert.issuedAt), { x: 448, y: 194, size: 11, color: INK, align: 'center' });

  // Verification: QR code to the public verification page, and the code for typing in.
  const area = VERIFICATION_AREA;
  await text.draw(page, '扫码查验', { x: area.x + 56, y: area.y + area.height - 12, size: 9.5, color: MUTED, align: 'center' });
  drawQrCode(page, input.verificationUrl, { x: area.x + 6, y: area.y + 34, size: 100 });
  await text.draw(page, '查验码', { x: area.x + 56, y: area.y + 22, size: 8, color: MUTED, align: 'center' });
  await text.draw(page, annotation.verificationCode, { x: area.x + 56, y: area.y + 10, size: 7.5, color: INK, align: 'center' });

  // Annotation block.
  const box = { x: 62, y: 66, width: PAGE.width - 124, height: 118 };
  page.drawRectangle({ ...box, color: rgb(0.99, 0.96, 0.93), borderColor: CRIMSON, borderWidth: 1 });
  await text.draw(page, '电子证书加注信息', { x: box.x + 14, y: box.y + box.height - 22, size: 12.5, bold: true, color: CRIMSON });
  const lines = [
    `使用场景：${scenario.label}`,
    `加注有效期：${shanghaiDateTime(annotation.validFrom)} 至 ${shanghaiDateTime(annotation.validUntil)}（北京时间，${annotation.validDays}天）`,
    `加注编号：${annotation.annotationId}`,
    '本电子证书仅在加注有效期内、按加注的使用场景使用有效；超过有效期须重新申请加注。',
  ];
  let ly = box.y + box.height - 44;
  for (const line of lines) {
    const size = await text.fit(line, 10.5, box.width - 28);
    await text.draw(page, line, { x: box.x + 14, y: ly, size, color: INK });
    ly -= 19;
  }

  // Diagonal watermark: scenario and expiry, over everything, faint.
  const mark = `${scenario.watermark} · 有效期至${shanghaiDateTime(annotation.validUntil).slice(0, 11)}`;
  for (const wy of [300, 540]) {
    await text.draw(page, mark, { x: center, y: wy, size: 24, color: CRIMSON, opacity: 0.09, rotateDegrees: 32, align: 'center' });
  }

  // A classic xref table: the signature is added as an incremental update by a parser that reads only that form.
  return pdf.save({ useObjectStreams: false });
}
