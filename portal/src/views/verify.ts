import { api, ApiError, errorText } from '../api';
import { badge, busy, details, field, h, message } from '../dom';
import { formatDate, formatDateTime } from '../format';
import { rareCharHelper } from '../rare-chars';
import { pageHeading, type ViewContext } from '../router';
import type { DocumentVerification, Verification } from '../types';
import { pickLanguage, type Lang } from '../language';

/**
 * 查验 (public): by verification code — what the QR code on an annotated PDF opens (`/v1/verify/{code}` answers a
 * browser with a redirect to `/verify?code=…`) — by 管理号 + name + ID number, or by uploading the PDF itself.
 * In Chinese and English for verifiers abroad: `?lang=en|zh` (the redirect sets it from Accept-Language), else the
 * visitor's choice (the switch, remembered), else the browser's languages.
 */
const MAX_PDF_BYTES = 4 * 1024 * 1024;
const LANG_KEY = 'ecert.verify.lang';
const EN = {
  title: 'Certificate verification',
  lead: 'Anyone can check, without logging in, that a professional qualification e-certificate and its annotated copy are genuine and valid.',
  switchTo: '中文',
  byCode: 'Verify by verification code',
  codeLabel: 'Verification code',
  codeHint: 'Printed on the annotated certificate (groups of letters and digits, any case); scanning its QR code verifies it directly.',
  codeMissing: 'Enter the verification code',
  byHolder: 'Verify by certificate number, name and ID number',
  certId: 'Certificate No. (管理号)',
  holderName: 'Holder’s name',
  idNumber: 'ID number',
  missing: 'Required',
  byFile: 'Verify an annotated certificate file',
  fileLabel: 'Annotated e-certificate (PDF)',
  fileHint: 'Up to 4 MB. The service checks the file is exactly as issued and its electronic seal (signature) is valid.',
  fileMissing: 'Choose a PDF file',
  fileTooLarge: 'The file must not exceed 4 MB',
  submit: 'Verify',
  upload: 'Upload and verify',
  resultCode: 'Result (verification code)',
  resultHolder: 'Result (certificate number, name and ID number)',
  resultFile: 'Result (uploaded file)',
  notFound: 'No matching certificate was found. Check the details and try again.',
  valid: 'Verified: the certificate is genuine and valid',
  invalid: 'Not verified',
  reasons: {
    CERTIFICATE_REVOKED: 'The certificate has been revoked; it and its annotated copies are no longer valid.',
    ANNOTATION_EXPIRED: 'The annotated copy has expired and can no longer serve as proof.',
    ANNOTATION_NOT_READY: 'The annotated copy has not been issued, or its issue failed.',
    DOCUMENT_MODIFIED: 'The file differs from the one issued (it has been modified); its electronic seal is not valid.',
  } as Record<string, string>,
  rows: {
    holder: 'Holder',
    id: 'ID document',
    qualification: 'Qualification',
    level: 'Level',
    specialty: 'Specialty',
    certId: 'Certificate No.',
    approval: 'Date of approval',
    issued: 'Date of issue',
    issuer: 'Issuing authority',
    status: 'Certificate status',
    revoked: 'Revoked at',
    scenario: 'Usage',
    validity: 'Annotation valid',
    annotationStatus: 'Annotated copy',
    integrity: 'File integrity',
    seal: 'Electronic seal',
    timestamp: 'Trusted time-stamp',
    credential: 'Embedded credential',
    checked: 'Checked at',
  },
  statuses: { VALID: 'Valid', REVOKED: 'Revoked', READY: 'Valid', EXPIRED: 'Expired', PENDING: 'Being issued', FAILED: 'Issue failed' } as Record<string, string>,
  idTypes: {
    RESIDENT_ID: 'Resident identity card (PRC)',
    PASSPORT: 'Passport',
    HK_MACAO_PERMIT: 'Mainland travel permit for Hong Kong and Macao residents',
    TAIWAN_PERMIT: 'Mainland travel permit for Taiwan residents',
    FOREIGN_PERMANENT_ID: 'Foreign permanent resident ID card',
  } as Record<string, string>,
  scenarios: { SELF_USE: 'Use by the holder in person' } as Record<string, string>,
  intact: 'Identical to the file issued, not modified',
  modified: 'Differs from the file issued (modified)',
  sealValid: 'Valid',
  sealInvalid: 'Not valid',
  unsigned: 'Not sealed',
  credentialMatches: 'W3C Verifiable Credential, signed by the issuer, matches the particulars',
  credentialMismatch: 'Does not match the particulars',
  beijing: '(Beijing time, UTC+8)',
  to: 'to',
};

/** English dates: ISO-like, in Beijing time (the time the certificate speaks). */
function enDateTime(iso: string | undefined | null): string {
  if (!iso) return '';
  const date = new Date(Date.parse(iso) + 8 * 3600_000);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} ${EN.beijing}`;
}

function result(view: Verification | DocumentVerification, lang: Lang): HTMLElement {
  const en = lang === 'en';
  const t = (zh: string, english: string) => (en ? english : zh);
  const cert = view.certificate;
  const annotation = view.annotation;
  const document = 'documentIntact' in view ? view : undefined;
  const when = (iso?: string) => (en ? enDateTime(iso) : iso ? `${formatDateTime(iso)}（北京时间）` : '');
  const day = (d: string) => (en ? d : formatDate(d));
  const status = (code: string, label: string) => (en ? (EN.statuses[code] ?? code) : label);
  const signature = document?.signature;
  const sealText = () => {
    if (!signature) return null;
    if (!signature.valid) return signature.signed ? t('无效', EN.sealInvalid) : t('未签章', EN.unsigned);
    const parts = [signature.signerName, signature.padesLevel ? `PAdES ${signature.padesLevel}` : undefined];
    if (signature.certification?.certified) parts.push(t('已认证（不允许修改）', 'certified, no changes allowed'));
    return `${t('有效', EN.sealValid)}（${parts.filter(Boolean).join('，')}）`;
  };
  return h(
    'div',
    { class: `verdict ${view.valid ? 'verdict-valid' : 'verdict-invalid'}`, lang: en ? 'en' : 'zh-CN' },
    h(
      'p',
      { class: 'verdict-title' },
      h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, view.valid ? '✓' : '✗'),
      view.valid ? t('查验通过：证书真实有效', EN.valid) : t('查验未通过', EN.invalid),
    ),
    view.valid
      ? null
      : h('p', { class: 'verdict-reason' }, en ? (EN.reasons[view.reason ?? ''] ?? EN.invalid) : (view.reasonText ?? '证书或加注件无效')),
    details([
      [t('持证人', EN.rows.holder), cert.holderNameMasked],
      [t('证件', EN.rows.id), `${en ? (EN.idTypes[cert.idType] ?? cert.idTypeLabel) : cert.idTypeLabel} ${cert.idNumberMasked}`],
      [t('资格名称', EN.rows.qualification), cert.qualification.name],
      [t('级别', EN.rows.level), cert.qualification.level],
      [t('专业', EN.rows.specialty), cert.qualification.specialty],
      [t('管理号', EN.rows.certId), cert.certId],
      [t('批准日期', EN.rows.approval), day(cert.approvalDate)],
      [t('签发日期', EN.rows.issued), day(cert.issuedAt)],
      [t('签发单位', EN.rows.issuer), cert.issuer],
      [t('证书状态', EN.rows.status), badge(status(cert.status, cert.statusLabel), cert.status === 'VALID' ? 'ok' : 'bad')],
      [t('撤销时间', EN.rows.revoked), cert.revokedAt ? when(cert.revokedAt) : null],
      [t('使用场景', EN.rows.scenario), annotation ? (en ? (EN.scenarios[annotation.scenario] ?? annotation.scenario) : annotation.scenarioLabel) : null],
      [
        t('加注有效期', EN.rows.validity),
        annotation
          ? en
            ? `${enDateTime(annotation.validFrom)} ${EN.to} ${enDateTime(annotation.validUntil)}`
            : `${formatDateTime(annotation.validFrom)} 至 ${formatDateTime(annotation.validUntil)}（北京时间）`
          : null,
      ],
      [
        t('加注件状态', EN.rows.annotationStatus),
        annotation ? badge(status(annotation.status, annotation.statusLabel), annotation.status === 'READY' ? 'ok' : 'bad') : null,
      ],
      [
        t('文件完整性', EN.rows.integrity),
        document ? (document.documentIntact ? t('与签发时一致，未被修改', EN.intact) : t('与签发时不一致（已被修改）', EN.modified)) : null,
      ],
      [t('电子签章', EN.rows.seal), sealText()],
      [
        t('可信时间戳', EN.rows.timestamp),
        signature?.timestamp?.valid ? `${when(signature.timestamp.time)} · ${signature.timestamp.tsa}` : null,
      ],
      [
        t('内嵌可验证凭证', EN.rows.credential),
        document?.credential?.present
          ? document.credential.matchesParticulars
            ? t('W3C 可验证凭证，签发者签名有效，与证书信息一致', EN.credentialMatches)
            : t('与证书信息不一致', EN.credentialMismatch)
          : null,
      ],
      [t('查验时间', EN.rows.checked), when(view.checkedAt)],
    ]),
  );
}

export function verifyView(context: ViewContext): void {
  const { root, query, signal } = context;
  const lang = pickLanguage(query, sessionStorage.getItem(LANG_KEY), navigator.languages ?? []);
  const en = lang === 'en';
  const t = (zh: string, english: string) => (en ? english : zh);
  document.documentElement.lang = en ? 'en' : 'zh-CN';
  const resultBox = h('section', { class: 'verify-result', id: 'verify-result', 'aria-labelledby': 'verify-result-title', hidden: true });

  const show = (title: string, content: HTMLElement) => {
    resultBox.hidden = false;
    resultBox.replaceChildren(h('h2', { id: 'verify-result-title', tabindex: '-1' }, title), content);
    (resultBox.firstElementChild as HTMLElement).focus();
  };
  const run = async (control: HTMLButtonElement | null, title: string, work: () => Promise<Verification>) => {
    try {
      const view = control ? await busy(control, work) : await work();
      show(title, result(view, lang));
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      const notFound = error instanceof ApiError && error.status === 404;
      show(title, message('error', notFound ? t('未查询到相符的证书信息，请核对后重试。', EN.notFound) : errorText(error)));
    }
  };

  // The language switch: the same page in the other language (kept for this browser session; the portal stores nothing in localStorage).
  const other: Lang = en ? 'zh' : 'en';
  const switcher = h('button', { type: 'button', class: 'lang-switch', lang: en ? 'zh-CN' : 'en' }, en ? EN.switchTo : 'English');
  switcher.addEventListener('click', () => {
    sessionStorage.setItem(LANG_KEY, other);
    const next = new URLSearchParams(query);
    next.set('lang', other);
    history.replaceState(null, '', `/verify?${next.toString()}`);
    root.replaceChildren();
    verifyView({ ...context, query: next });
  });

  // By verification code.
  const code = h('input', { id: 'verify-code', name: 'code', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '64', class: 'code-input' });
  const codeField = field({
    label: t('查验码', EN.codeLabel),
    control: code,
    hint: t('加注电子证书上印有查验码（字母和数字分组，不区分大小写）；扫描证书上的二维码也可直接查验。', EN.codeHint),
  });
  const codeSubmit = h('button', { type: 'submit', class: 'primary' }, t('查验', EN.submit));
  const byCode = (value: string) =>
    run(codeSubmit, t('查验结果（查验码）', EN.resultCode), () => api<Verification>(`/v1/verify/${encodeURIComponent(value)}`, { auth: false, signal }));
  const codeForm = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'by-code' }, codeField.wrapper, h('div', { class: 'actions' }, codeSubmit));
  codeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = code.value.trim();
    codeField.setError(value ? undefined : t('请输入查验码', EN.codeMissing));
    if (!value) return code.focus();
    history.replaceState(null, '', `/verify?code=${encodeURIComponent(value)}${en ? '&lang=en' : ''}`);
    void byCode(value);
  });

  // By management number, name and ID number.
  const certId = h('input', { id: 'verify-certId', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '64' });
  const name = h('input', { id: 'verify-name', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '200' });
  const idNumber = h('input', { id: 'verify-idNumber', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '64' });
  const helper = rareCharHelper(name);
  const certIdField = field({ label: t('管理号', EN.certId), control: certId });
  const nameField = field({ label: t('持证人姓名', EN.holderName), control: name, extra: h('div', { class: 'field-tools' }, helper.toggle) });
  const idField = field({ label: t('证件号码', EN.idNumber), control: idNumber });
  const holderSubmit = h('button', { type: 'submit', class: 'primary' }, t('查验', EN.submit));
  const holderForm = h(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': 'by-holder' },
    certIdField.wrapper,
    nameField.wrapper,
    helper.panel,
    idField.wrapper,
    h('div', { class: 'actions' }, holderSubmit),
  );
  holderForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const fields: [HTMLInputElement, ReturnType<typeof field>, string][] = [
      [certId, certIdField, t('请输入管理号', EN.missing)],
      [name, nameField, t('请输入持证人姓名', EN.missing)],
      [idNumber, idField, t('请输入证件号码', EN.missing)],
    ];
    let first: HTMLInputElement | undefined;
    for (const [input, f, text] of fields) {
      const empty = !input.value.trim();
      f.setError(empty ? text : undefined);
      if (empty) first ??= input;
    }
    if (first) return first.focus();
    void run(holderSubmit, t('查验结果（管理号、姓名和证件号码）', EN.resultHolder), () =>
      api<Verification>('/v1/verify', {
        json: { certId: certId.value.trim(), holderName: name.value.trim(), idNumber: idNumber.value.trim() },
        auth: false,
        signal,
      }),
    );
  });

  // By uploading the PDF.
  const file = h('input', { id: 'verify-file', type: 'file', accept: 'application/pdf,.pdf' });
  const fileField = field({
    label: t('加注电子证书文件（PDF）', EN.fileLabel),
    control: file,
    hint: t('文件不超过4MB。系统核对文件是否与签发时一致、电子签章是否有效。', EN.fileHint),
  });
  const fileSubmit = h('button', { type: 'submit', class: 'primary' }, t('上传并查验', EN.upload));
  const fileForm = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'by-file' }, fileField.wrapper, h('div', { class: 'actions' }, fileSubmit));
  fileForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    const problem = !chosen ? t('请选择PDF文件', EN.fileMissing) : chosen.size > MAX_PDF_BYTES ? t('文件不能超过4MB', EN.fileTooLarge) : undefined;
    fileField.setError(problem);
    if (problem || !chosen) return file.focus();
    void run(fileSubmit, t('查验结果（上传文件）', EN.resultFile), () =>
      api<DocumentVerification>('/v1/verify/document', { pdf: chosen, auth: false, signal }),
    );
  });

  pageHeading(
    root,
    t('证书查验', EN.title),
    h('div', { class: 'lang-bar' }, switcher),
    h('p', { class: 'lead' }, t('任何单位和个人均可查验职业资格电子证书及其加注件的真实性和有效性，无需登录。', EN.lead)),
    resultBox,
    h('section', { class: 'panel', 'aria-labelledby': 'by-code' }, h('h2', { id: 'by-code' }, t('按查验码查验', EN.byCode)), codeForm),
    h('section', { class: 'panel', 'aria-labelledby': 'by-holder' }, h('h2', { id: 'by-holder' }, t('按管理号、姓名和证件号码查验', EN.byHolder)), holderForm),
    h('section', { class: 'panel', 'aria-labelledby': 'by-file' }, h('h2', { id: 'by-file' }, t('上传加注电子证书查验', EN.byFile)), fileForm),
  );

  const fromQr = query.get('code');
  if (fromQr) {
    code.value = fromQr;
    void byCode(fromQr);
  }
}
