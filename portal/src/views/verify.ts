import { api, ApiError, errorText } from '../api';
import { badge, busy, details, field, h, message } from '../dom';
import { formatDate, formatDateTime } from '../format';
import { rareCharHelper } from '../rare-chars';
import { pageHeading, type ViewContext } from '../router';
import type { DocumentVerification, Verification } from '../types';

/**
 * 查验 (public): by verification code — what the QR code on an annotated PDF opens (`/v1/verify/{code}` answers a
 * browser with a redirect to `/verify?code=…`) — by 管理号 + name + ID number, or by uploading the PDF itself.
 */
const MAX_PDF_BYTES = 4 * 1024 * 1024;

function result(view: Verification | DocumentVerification): HTMLElement {
  const cert = view.certificate;
  const annotation = view.annotation;
  const document = 'documentIntact' in view ? view : undefined;
  return h(
    'div',
    { class: `verdict ${view.valid ? 'verdict-valid' : 'verdict-invalid'}` },
    h(
      'p',
      { class: 'verdict-title' },
      h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, view.valid ? '✓' : '✗'),
      view.valid ? '查验通过：证书真实有效' : '查验未通过',
    ),
    view.valid ? null : h('p', { class: 'verdict-reason' }, view.reasonText ?? '证书或加注件无效'),
    details([
      ['持证人', cert.holderNameMasked],
      ['证件', `${cert.idTypeLabel} ${cert.idNumberMasked}`],
      ['资格名称', cert.qualification.name],
      ['级别', cert.qualification.level],
      ['专业', cert.qualification.specialty],
      ['管理号', cert.certId],
      ['批准日期', formatDate(cert.approvalDate)],
      ['签发日期', formatDate(cert.issuedAt)],
      ['签发单位', cert.issuer],
      ['证书状态', badge(cert.statusLabel, cert.status === 'VALID' ? 'ok' : 'bad')],
      ['撤销时间', cert.revokedAt ? `${formatDateTime(cert.revokedAt)}（北京时间）` : null],
      ['使用场景', annotation?.scenarioLabel],
      [
        '加注有效期',
        annotation ? `${formatDateTime(annotation.validFrom)} 至 ${formatDateTime(annotation.validUntil)}（北京时间）` : null,
      ],
      ['加注件状态', annotation ? badge(annotation.statusLabel, annotation.status === 'READY' ? 'ok' : 'bad') : null],
      ['文件完整性', document ? (document.documentIntact ? '与签发时一致，未被修改' : '与签发时不一致（已被修改）') : null],
      [
        '电子签章',
        document
          ? document.signature.valid
            ? `有效${document.signature.signerName ? `（${document.signature.signerName}）` : ''}`
            : document.signature.signed
              ? '无效'
              : '未签章'
          : null,
      ],
      ['查验时间', `${formatDateTime(view.checkedAt)}（北京时间）`],
    ]),
  );
}

export function verifyView({ root, query, signal }: ViewContext): void {
  const resultBox = h('section', { class: 'verify-result', id: 'verify-result', 'aria-labelledby': 'verify-result-title', hidden: true });

  const show = (title: string, content: HTMLElement) => {
    resultBox.hidden = false;
    resultBox.replaceChildren(h('h2', { id: 'verify-result-title', tabindex: '-1' }, title), content);
    (resultBox.firstElementChild as HTMLElement).focus();
  };
  const run = async (control: HTMLButtonElement | null, title: string, work: () => Promise<Verification>) => {
    try {
      const view = control ? await busy(control, work) : await work();
      show(title, result(view));
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      const notFound = error instanceof ApiError && error.status === 404;
      show(title, message('error', notFound ? '未查询到相符的证书信息，请核对后重试。' : errorText(error)));
    }
  };

  // By verification code.
  const code = h('input', { id: 'verify-code', name: 'code', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '64' });
  const codeField = field({ label: '查验码', control: code, hint: '加注电子证书上印有查验码；扫描证书上的二维码也可直接查验。' });
  const codeSubmit = h('button', { type: 'submit', class: 'primary' }, '查验');
  const byCode = (value: string) =>
    run(codeSubmit, `查验结果（查验码）`, () => api<Verification>(`/v1/verify/${encodeURIComponent(value)}`, { auth: false, signal }));
  const codeForm = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'by-code' }, codeField.wrapper, h('div', { class: 'actions' }, codeSubmit));
  codeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = code.value.trim();
    codeField.setError(value ? undefined : '请输入查验码');
    if (!value) return code.focus();
    history.replaceState(null, '', `/verify?code=${encodeURIComponent(value)}`);
    void byCode(value);
  });

  // By management number, name and ID number.
  const certId = h('input', { id: 'verify-certId', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '64' });
  const name = h('input', { id: 'verify-name', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '200' });
  const idNumber = h('input', { id: 'verify-idNumber', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '64' });
  const helper = rareCharHelper(name);
  const certIdField = field({ label: '管理号', control: certId });
  const nameField = field({ label: '持证人姓名', control: name, extra: h('div', { class: 'field-tools' }, helper.toggle) });
  const idField = field({ label: '证件号码', control: idNumber });
  const holderSubmit = h('button', { type: 'submit', class: 'primary' }, '查验');
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
      [certId, certIdField, '请输入管理号'],
      [name, nameField, '请输入持证人姓名'],
      [idNumber, idField, '请输入证件号码'],
    ];
    let first: HTMLInputElement | undefined;
    for (const [input, f, text] of fields) {
      const empty = !input.value.trim();
      f.setError(empty ? text : undefined);
      if (empty) first ??= input;
    }
    if (first) return first.focus();
    void run(holderSubmit, '查验结果（管理号、姓名和证件号码）', () =>
      api<Verification>('/v1/verify', {
        json: { certId: certId.value.trim(), holderName: name.value.trim(), idNumber: idNumber.value.trim() },
        auth: false,
        signal,
      }),
    );
  });

  // By uploading the PDF.
  const file = h('input', { id: 'verify-file', type: 'file', accept: 'application/pdf,.pdf' });
  const fileField = field({ label: '加注电子证书文件（PDF）', control: file, hint: '文件不超过4MB。系统核对文件是否与签发时一致、电子签章是否有效。' });
  const fileSubmit = h('button', { type: 'submit', class: 'primary' }, '上传并查验');
  const fileForm = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'by-file' }, fileField.wrapper, h('div', { class: 'actions' }, fileSubmit));
  fileForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    const problem = !chosen ? '请选择PDF文件' : chosen.size > MAX_PDF_BYTES ? '文件不能超过4MB' : undefined;
    fileField.setError(problem);
    if (problem || !chosen) return file.focus();
    void run(fileSubmit, '查验结果（上传文件）', () =>
      api<DocumentVerification>('/v1/verify/document', { pdf: chosen, auth: false, signal }),
    );
  });

  pageHeading(
    root,
    '证书查验',
    h('p', { class: 'lead' }, '任何单位和个人均可查验职业资格电子证书及其加注件的真实性和有效性，无需登录。'),
    resultBox,
    h('section', { class: 'panel', 'aria-labelledby': 'by-code' }, h('h2', { id: 'by-code' }, '按查验码查验'), codeForm),
    h('section', { class: 'panel', 'aria-labelledby': 'by-holder' }, h('h2', { id: 'by-holder' }, '按管理号、姓名和证件号码查验'), holderForm),
    h('section', { class: 'panel', 'aria-labelledby': 'by-file' }, h('h2', { id: 'by-file' }, '上传加注电子证书查验'), fileForm),
  );

  const fromQr = query.get('code');
  if (fromQr) {
    code.value = fromQr;
    void byCode(fromQr);
  }
}
