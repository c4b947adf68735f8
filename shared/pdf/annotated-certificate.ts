import { createHash } from 'node:crypto';
import { PDFDict, PDFDocument, PDFName, PDFString, rgb, type PDFPage } from '@cantoo/pdf-lib';
import type { Annotation } from '../domain/annotation';
import { formatVerificationCode, shanghaiDateTime } from '../domain/annotation';
import type { Certificate } from '../domain/certificate';
import { ID_TYPE_LABELS } from '../domain/identity';
import type { Qualification } from '../domain/qualifications';
import type { Scenario } from '../domain/scenarios';
import type { ValidationData } from '../signing/pades';
import { warmUpSeal } from '../signing/sealer';
import { attachCredential } from './credential-file';
import { addDss } from './dss';
import { cachedFontkit, loadFaces } from './fonts';
import { applyPdfA } from './pdfa';
import { drawSeal } from './seal';
import { addSignatureField, type SignatureFieldOptions } from './signature-field';
import { drawQrCode } from './qr';
import { useFastPdfObjects } from './pdf-object-fast-paths';
import { useNativeDeflate } from './native-deflate';
import { Tagger } from './tags';
import { TextWriter } from './text';

// Once per container, for every document this process writes (native-deflate.ts and pdf-object-fast-paths.ts say why).
useNativeDeflate();
useFastPdfObjects();

/**
 * The annotated e-certificate (加注件), one A4 page: title and qualification, the holder's particulars (their own
 * official copy, so the full ID number), approval data and management number, the issuer and the seal (R9), the
 * annotation block, a diagonal watermark naming scenario and expiry, and the verification area. Each label of the
 * particulars and the annotation block has an English line under it for verifiers abroad.
 *
 * PDF/A-3b and tagged: the structure tree reads title → particulars → annotation block → verification → seal; frame,
 * watermark and seal drawing are artifacts.
 */
export interface AnnotatedCertificateInput {
  certificate: Certificate;
  qualification: Qualification;
  annotation: Pick<Annotation, 'annotationId' | 'appliedAt' | 'validFrom' | 'validUntil' | 'validDays' | 'verificationCode'>;
  scenario: Scenario;
  /** Where the QR code points: `{public base URL}/v1/verify/{code}`. */
  verificationUrl: string;
}

export interface RenderOptions {
  /** When the document is made (its dates, XMP); default the annotation's application time. */
  created?: Date;
  /** The certification signature's field and placeholders (signed-certificate.ts fills them). */
  signature?: Omit<SignatureFieldOptions, 'tagger' | 'rect' | 'alt'>;
  /** The W3C VC (compact JWS) to embed as an associated file. */
  credentialJwt?: string;
  /** Certificates and CRLs for the Document Security Store (long-term validation), in the signed revision. */
  validationData?: ValidationData;
}

export const PAGE = { width: 595.28, height: 841.89 } as const;
/** The verification code and its QR code, lower left; kept clear of everything else. */
export const VERIFICATION_AREA = { x: 62, y: 190, width: 150, height: 146 } as const;
/** Document-info entry holding the verification code. */
export const VERIFICATION_INFO_KEY = 'EcertVerificationCode';
/** The visible seal, lower right; the signature widget covers it so a reader shows the signer when it is clicked. */
export const SEAL = { cx: 448, cy: 282, radius: 70 } as const;
export const SEAL_RECT: [number, number, number, number] = [SEAL.cx - SEAL.radius, SEAL.cy - SEAL.radius, SEAL.cx + SEAL.radius, SEAL.cy + SEAL.radius];

const INK = rgb(0.13, 0.13, 0.15);
const MUTED = rgb(0.38, 0.38, 0.42);
const CRIMSON = rgb(0.62, 0.1, 0.12);
const GOLD = rgb(0.72, 0.56, 0.26);
const EN = 'en-GB';

const dateZh = (isoDate: string) => {
  const [y, m, d] = isoDate.slice(0, 10).split('-');
  return `${y}年${m}月${d}日`;
};

/**
 * Fonts are parsed at module load, i.e. once per Lambda container, never per PDF; the seal (key, certificate, TSA
 * path, CRL) is prepared in the background at the same time.
 */
export function warmUpRenderer(): void {
  loadFaces();
  warmUpSeal();
}

function drawFrame(page: PDFPage): void {
  const { width, height } = PAGE;
  page.drawRectangle({ x: 0, y: 0, width, height, color: rgb(1, 0.995, 0.975) });
  page.drawRectangle({ x: 26, y: 26, width: width - 52, height: height - 52, borderColor: CRIMSON, borderWidth: 2.4 });
  page.drawRectangle({ x: 33, y: 33, width: width - 66, height: height - 66, borderColor: GOLD, borderWidth: 0.8 });
  for (const [x, y] of [
    [40, 40],
    [width - 52, 40],
    [40, height - 52],
    [width - 52, height - 52],
  ] as const) {
    page.drawRectangle({ x, y, width: 12, height: 12, borderColor: GOLD, borderWidth: 0.8 });
  }
}

/** The document's title (Info, XMP, window title). */
export const documentTitle = (input: AnnotatedCertificateInput): string =>
  `${input.qualification.name} 电子证书（加注件） ${input.certificate.certId}`;

/** 16 bytes naming the document for its trailer /ID and font subset tags. */
const documentId = (input: AnnotatedCertificateInput, created: Date): Buffer =>
  createHash('sha256').update(`${input.annotation.annotationId}\u0000${created.toISOString()}`).digest().subarray(0, 16);

export async function renderAnnotatedCertificate(input: AnnotatedCertificateInput, options: RenderOptions = {}): Promise<Uint8Array> {
  const { certificate: cert, qualification: q, annotation, scenario } = input;
  const created = options.created ?? new Date(annotation.appliedAt);
  const id = documentId(input, created);
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.registerFontkit(cachedFontkit);
  applyPdfA(pdf, {
    title: documentTitle(input),
    author: cert.issuer,
    subject: `${scenario.label}，有效期至${shanghaiDateTime(annotation.validUntil)}（北京时间）`,
    keywords: ['电子证书', '加注件', cert.certId, q.name],
    lang: 'zh-CN',
    created,
    id,
  });
  // Machine-readable pointer back to the record: `POST /v1/verify/document` finds the annotation by it.
  pdf.context
    .lookup(pdf.context.trailerInfo.Info, PDFDict)
    .set(PDFName.of(VERIFICATION_INFO_KEY), PDFString.of(annotation.verificationCode));

  const page = pdf.addPage([PAGE.width, PAGE.height]);
  const text = new TextWriter(pdf, id.toString('hex'));
  const tags = new Tagger(pdf, page);
  const center = PAGE.width / 2;
  await tags.artifact(() => drawFrame(page));

  // Title block.
  await tags.tag('P', () => text.draw(page, '中华人民共和国', { x: center, y: 760, size: 15, color: CRIMSON, align: 'center', spacing: 4 }));
  await tags.tag('H1', () =>
    text.draw(page, '专业技术人员职业资格证书', { x: center, y: 722, size: 27, bold: true, color: CRIMSON, align: 'center', spacing: 2 }),
  );
  await tags.tag(
    'P',
    () => text.draw(page, "Professional Qualification Certificate of the People's Republic of China", { x: center, y: 704, size: 8.5, color: MUTED, align: 'center' }),
    { lang: EN },
  );
  await tags.tag('P', () => text.draw(page, '电 子 证 书', { x: center, y: 686, size: 12, color: MUTED, align: 'center', spacing: 2 }));
  const titleSize = await text.fit(q.name, 19, 440, true);
  await tags.tag('H2', () => text.draw(page, q.name, { x: center, y: 658, size: titleSize, bold: true, color: INK, align: 'center' }));
  await tags.artifact(() => page.drawLine({ start: { x: 90, y: 642 }, end: { x: PAGE.width - 90, y: 642 }, thickness: 0.8, color: GOLD }));

  // Particulars: Chinese label, its English line under it, the value.
  const rows: Array<[string, string, string]> = [
    ['姓　　名', 'Name', cert.holderName],
    ['证件类型', 'ID type', ID_TYPE_LABELS[cert.idType]],
    ['证件号码', 'ID number', cert.idNumber],
    ['资格名称', 'Qualification', q.name],
    ['级　　别', 'Level', cert.level],
    ...(cert.specialty ? ([['专　　业', 'Specialty', cert.specialty]] as Array<[string, string, string]>) : []),
    ['批准日期', 'Date of approval', dateZh(cert.approvalDate)],
    ['管 理 号', 'Certificate No.', cert.certId],
    ['签发单位', 'Issuing authority', cert.issuer],
    ['签发日期', 'Date of issue', dateZh(cert.issuedAt)],
  ];
  const labelX = 200;
  const valueX = 222;
  const valueWidth = PAGE.width - 70 - valueX;
  const particulars = tags.group('Sect');
  let y = 614;
  const step = rows.length > 9 ? 28.5 : 30;
  for (const [label, english, value] of rows) {
    const row = tags.group('P', { parent: particulars });
    await tags.tag('P', () => text.draw(page, `${label}：`, { x: labelX + 13, y, size: 12.5, color: MUTED, align: 'right' }), { into: row });
    await tags.tag('Span', () => text.draw(page, english, { x: labelX, y: y - 9.5, size: 7, color: MUTED, align: 'right' }), {
      parent: row,
      lang: EN,
    });
    // The name is set larger, not bolder: a rare character from the fallback face has no bold, and mixed weights
    // inside one name would look like a mistake.
    const size = await text.fit(value, label.startsWith('姓') ? 15.5 : 13, valueWidth);
    await tags.tag('P', () => text.draw(page, value, { x: valueX, y, size, color: INK }), { into: row });
    y -= step;
  }

  // Annotation block.
  const box = { x: 62, y: 44, width: PAGE.width - 124, height: 138 };
  await tags.artifact(() => page.drawRectangle({ ...box, color: rgb(0.99, 0.96, 0.93), borderColor: CRIMSON, borderWidth: 1 }));
  const block = tags.group('Sect');
  const top = box.y + box.height;
  await tags.tag('H2', () => text.draw(page, '电子证书加注信息', { x: box.x + 14, y: top - 20, size: 12.5, bold: true, color: CRIMSON }), { parent: block });
  await tags.tag('P', () => text.draw(page, 'Annotation of this electronic certificate', { x: box.x + 14, y: top - 30, size: 7.5, color: MUTED }), {
    parent: block,
    lang: EN,
  });
  const validity = `${shanghaiDateTime(annotation.validFrom)} 至 ${shanghaiDateTime(annotation.validUntil)}（北京时间，${annotation.validDays}天）`;
  const enTime = (iso: string) => `${new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ')}`;
  const lines: Array<[string, string]> = [
    [`使用场景：${scenario.label}`, `Usage: ${scenario.labelEn}`],
    [`加注有效期：${validity}`, `Valid from ${enTime(annotation.validFrom)} to ${enTime(annotation.validUntil)} (Beijing time, UTC+8; ${annotation.validDays} days)`],
    [`加注编号：${annotation.annotationId}`, `Annotation No. ${annotation.annotationId}`],
    [
      '本电子证书仅在加注有效期内、按加注的使用场景使用有效；超过有效期须重新申请加注。',
      'Valid only within the annotation period and for the usage stated; after it expires a new annotation must be applied for.',
    ],
  ];
  let ly = top - 49;
  for (const [zh, en] of lines) {
    const size = await text.fit(zh, 10.5, box.width - 28);
    await tags.tag('P', () => text.draw(page, zh, { x: box.x + 14, y: ly, size, color: INK }), { parent: block });
    const enSize = await text.fit(en, 7.5, box.width - 28);
    await tags.tag('P', () => text.draw(page, en, { x: box.x + 14, y: ly - 9.5, size: enSize, color: MUTED }), { parent: block, lang: EN });
    ly -= 23;
  }

  // Verification: QR code to the public verification page, and the code for typing in (monospace, in groups).
  const area = VERIFICATION_AREA;
  const verification = tags.group('Sect');
  const mid = area.x + 56;
  await tags.tag('P', () => text.draw(page, '扫码查验 Scan to verify', { x: mid, y: area.y + area.height - 10, size: 8, color: MUTED, align: 'center' }), {
    parent: verification,
  });
  await tags.tag('Figure', () => drawQrCode(page, input.verificationUrl, { x: mid - 48, y: area.y + 30, size: 96 }), {
    parent: verification,
    alt: `查验二维码 / verification QR code: ${input.verificationUrl}`,
  });
  await tags.tag('P', () => text.draw(page, '查验码 Verification code', { x: mid, y: area.y + 19, size: 7, color: MUTED, align: 'center' }), {
    parent: verification,
  });
  const code = formatVerificationCode(annotation.verificationCode);
  const codeSize = await text.fit(code, 8.5, area.width - 4, 'mono');
  await tags.tag('P', () => text.draw(page, code, { x: mid, y: area.y + 7, size: codeSize, mono: true, color: INK, align: 'center' }), {
    parent: verification,
  });

  // Seal of the authority (R9), lower right, with the issue date under it: ornament; the signature widget over it is
  // what the structure tree names.
  await tags.artifact(async () => {
    await drawSeal(page, text, { ...SEAL, name: q.sealName, fallbackBottomLine: '电子印章' });
    await text.draw(page, dateZh(cert.issuedAt), { x: SEAL.cx, y: 194, size: 11, color: INK, align: 'center' });
  });

  // Diagonal watermark: scenario and expiry, over everything, faint.
  const mark = `${scenario.watermark} · 有效期至${shanghaiDateTime(annotation.validUntil).slice(0, 11)}`;
  await tags.artifact(async () => {
    for (const wy of [300, 540]) {
      await text.draw(page, mark, { x: center, y: wy, size: 24, color: CRIMSON, opacity: 0.09, rotateDegrees: 32, align: 'center' });
    }
  });

  if (options.signature) {
    addSignatureField(pdf, page, {
      ...options.signature,
      rect: SEAL_RECT,
      alt: `电子印章：${q.sealName}（数字签名） / Electronic seal of the issuing authority (digital signature)`,
      tagger: tags,
    });
  }
  if (options.credentialJwt) attachCredential(pdf, options.credentialJwt, created);
  if (options.validationData) addDss(pdf, options.validationData);
  tags.finish();

  // Object streams for the many small dictionaries (structure elements, fonts): a third smaller. pdf-lib keeps the
  // signature dictionary, catalog and page tree outside them, so the placeholders stay patchable in place.
  return pdf.save({ useObjectStreams: true });
}

