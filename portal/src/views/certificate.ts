import { DEFAULT_SCENARIO, findScenario, SCENARIOS } from '../../../shared/domain/scenarios';
import { statusPollDelays } from '../../../shared/domain/status-polling';
import { api, ApiError, errorText } from '../api';
import { append, busy, details, field, h, message } from '../dom';
import { formatDate, formatDateTime } from '../format';
import { pageHeading, type ViewContext } from '../router';
import type { Annotation, AnnotationList, Certificate, Quota } from '../types';
import { annotationStatusBadge, certificateStatusBadge } from './badges';
import { DEFAULT_VALID_DAYS, MAX_VALID_DAYS, MIN_VALID_DAYS } from './certificate-rules';
import { certificateTitle } from './certificates';
import { downloadDocument } from './documents';
import { annotationDocumentPath, certificateFilePath } from './document-route';
import { fetchAccount, type Account } from './account';
import { flashMessage } from './flash';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * 在线查看: a link to the portal's document route, which mints a fresh presigned link on every visit. It opens a new
 * tab that keeps this tab's session (`rel=opener`: a tab opened without an opener starts with empty sessionStorage).
 */
const viewLink = (href: string, text: string) => h('a', { href, target: '_blank', rel: 'opener', class: 'button-link button-primary' }, text);

function certificateInfo(cert: Certificate): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'cert-info' },
    h('h2', { id: 'cert-info' }, '证书信息'),
    details([
      ['持证人', h('span', { class: 'holder-name' }, cert.holderName)],
      ['证件', `${cert.idTypeLabel} ${cert.idNumberMasked}`],
      ['资格名称', cert.qualification.name],
      ['级别', cert.qualification.level],
      ['专业', cert.qualification.specialty],
      ['管理号', cert.certId],
      ['批准日期', formatDate(cert.approvalDate)],
      ['签发日期', formatDate(cert.issuedAt)],
      ['签发单位', cert.issuer],
      // R1: only e-certificates (from 2021-12-17) carry the electronic seal; an older one's file is a scan.
      ['电子印章', cert.annotationRequired ? cert.sealName : null],
      ['证书状态', certificateStatusBadge(cert)],
    ]),
  );
}

function revokedNotice(cert: Certificate): HTMLElement {
  return h(
    'div',
    { class: 'message message-error', role: 'note' },
    h('h2', null, '证书已撤销'),
    h(
      'p',
      null,
      `该证书${cert.revokedAt ? `已于 ${formatDateTime(cert.revokedAt)}（北京时间）` : '已'}被收回注销，不能申请加注；已生成的加注件同时失效，不能查看、下载，查验结果为无效。`,
    ),
    h('p', null, `如对证书状态有疑问，请联系签发单位：${cert.issuer}。`),
  );
}

function legacyFileSection(cert: Certificate): HTMLElement {
  const status = h('div', { class: 'form-status' });
  const path = `/v1/certificates/${encodeURIComponent(cert.certId)}/file`;
  const usable = cert.status === 'VALID' && cert.hasElectronicFile;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'legacy-file' },
    h('h2', { id: 'legacy-file' }, '证书电子文件'),
    h('p', null, '该证书于2021年12月17日以前取得，无需加注。'),
    usable
      ? [
          h('p', null, '可直接查看和下载证书电子文件。'),
          h(
            'div',
            { class: 'actions' },
            viewLink(certificateFilePath(cert.certId), '在线查看'),
            h('button', { type: 'button', class: 'secondary', onclick: () => void downloadDocument(path, status) }, '下载证书电子文件'),
          ),
          status,
        ]
      : cert.status === 'VALID'
        ? h('p', null, `暂未提供该证书的电子文件。如需要，请联系签发单位：${cert.issuer}。`)
        : h('p', null, '证书已撤销，证书电子文件不能查看或下载。'),
  );
}

function annotationSection(cert: Certificate, signal: AbortSignal): { section: HTMLElement; load: () => Promise<void> } {
  const base = `/v1/certificates/${encodeURIComponent(cert.certId)}/annotations`;
  let items: Annotation[] = [];
  let quota: Quota | undefined;
  const polling = new Set<string>();
  /** PENDING annotations whose round of polling ended without a result: the row offers to check again. */
  const stalled = new Set<string>();
  let lastApplied: string | undefined;
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite', id: 'annotation-live' });
  const quotaBox = h('div', { class: 'quota', id: 'quota' });
  const list = h('ul', { class: 'annotations', id: 'annotations', 'aria-labelledby': 'annotation-history' });
  const formStatus = h('div', { class: 'form-status' });
  const canApply = cert.status === 'VALID';

  const scenario = h(
    'select',
    { id: 'apply-scenario', name: 'scenario' },
    SCENARIOS.map((s) => h('option', { value: s.code, ...(s.code === DEFAULT_SCENARIO ? { selected: true } : {}) }, s.label)),
  );
  const days = h('input', {
    id: 'apply-days',
    name: 'validDays',
    type: 'number',
    inputmode: 'numeric',
    min: String(MIN_VALID_DAYS),
    max: String(MAX_VALID_DAYS),
    step: '1',
    value: String(DEFAULT_VALID_DAYS),
  });
  const scenarioField = field({ label: '使用场景', control: scenario });
  const daysField = field({
    label: '加注有效期（天）',
    control: days,
    hint: `${MIN_VALID_DAYS}至${MAX_VALID_DAYS}天，默认${DEFAULT_VALID_DAYS}天。加注件只能在有效期内查看和下载，过期后须重新申请。`,
  });
  // Enabled once the quota is known (renderQuota): the confirmation step states what the application spends.
  const submit = h('button', { type: 'submit', class: 'primary', disabled: true }, '申请加注');
  let idempotencyKey = crypto.randomUUID();
  const form = h(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': 'apply-heading' },
    scenarioField.wrapper,
    daysField.wrapper,
    formStatus,
    h('div', { class: 'actions' }, submit),
  );

  const renderQuota = () => {
    if (!quota) return;
    // The API's own figures (R4 as the domain computes it): the portal shows them and computes none.
    const frees = quota.canApply ? quota.oldestSlotFreesAt : quota.nextAvailableAt;
    quotaBox.replaceChildren();
    append(quotaBox, [
      h(
        'p',
        null,
        `同一证书${quota.windowDays}天内最多可申请${quota.limit}次加注（生成失败的不计）。已申请 `,
        h('strong', null, String(quota.used)),
        ` 次，还可申请 `,
        h('strong', { id: 'quota-left' }, String(quota.remaining)),
        ' 次。',
      ),
      frees
        ? h(
            'p',
            { id: 'quota-next' },
            quota.canApply ? '最早一次申请的名额释放时间：' : '下次可申请时间：',
            h('strong', null, `${formatDateTime(frees)}（北京时间）`),
          )
        : null,
      // Part of the quota box, not of the apply messages: a later "加注件已生成" cannot replace it.
      quota.canApply ? null : h('p', { class: 'quota-exhausted', id: 'quota-exhausted', role: 'status' }, '⚠ 加注次数已达上限，请在上述时间后再申请。'),
    ]);
    submit.disabled = !quota.canApply;
    if (!quota.canApply) closeReview();
  };

  const row = (a: Annotation): HTMLLIElement => {
    const status = h('div', { class: 'form-status' });
    const link = `${base}/${encodeURIComponent(a.annotationId)}/download`;
    let body: (HTMLElement | null)[];
    switch (a.status) {
      case 'PENDING':
        body = stalled.has(a.annotationId)
          ? [
              h('p', { class: 'pending' }, '证书生成中…当前申请人数较多，生成时间比平时长，请稍后查看。'),
              h(
                'div',
                { class: 'actions' },
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    onclick: () => {
                      stalled.delete(a.annotationId);
                      replace(a);
                      void poll(a.annotationId);
                    },
                  },
                  '刷新状态',
                ),
              ),
            ]
          : [
              h(
                'p',
                { class: 'pending' },
                h('span', { class: 'spinner', 'aria-hidden': 'true' }),
                '证书生成中…生成后可在此直接查看和下载，无需刷新页面。',
              ),
            ];
        break;
      case 'READY':
        body = [
          h(
            'div',
            { class: 'actions' },
            viewLink(annotationDocumentPath(cert.certId, a.annotationId), '在线查看'),
            h('button', { type: 'button', class: 'secondary', onclick: () => void downloadDocument(link, status) }, '下载加注件'),
            h('a', { href: `/verify?code=${encodeURIComponent(a.verificationCode ?? '')}`, class: 'button-link' }, '查验'),
          ),
          status,
        ];
        break;
      case 'EXPIRED':
        body = [h('p', { class: 'state-text' }, '加注件已过期，不能再查看或下载。如需使用，请重新申请加注。')];
        break;
      case 'FAILED':
        body = [h('p', { class: 'state-text' }, '加注件生成失败，本次申请不计入加注次数，请重新申请。')];
        break;
      case 'REVOKED':
        body = [h('p', { class: 'state-text' }, '证书已撤销，该加注件已失效，不能查看、下载或通过查验。')];
        break;
    }
    return h(
      'li',
      { class: `annotation annotation-${a.status.toLowerCase()}`, id: `annotation-${a.annotationId}`, 'data-status': a.status },
      h('h3', null, annotationStatusBadge(a), h('span', null, `申请于 ${formatDateTime(a.appliedAt)}`)),
      details([
        ['使用场景', a.scenarioLabel],
        ['加注有效期', `${a.validDays}天`],
        ['有效期至', a.status === 'PENDING' || a.status === 'FAILED' ? null : `${formatDateTime(a.validUntil)}（北京时间）`],
        ['查验码', a.verificationCode ? h('code', null, a.verificationCode) : null],
        // Only while the window is still ahead: reminders go out 7 and 1 days before it ends.
        ['到期提醒', a.status === 'PENDING' || a.status === 'READY' ? (a.remind ? '已开启，届满前发送至已验证的联系方式' : '未开启') : null],
      ]),
      ...body,
    );
  };

  const renderList = () => {
    list.replaceChildren(...(items.length ? items.map(row) : [h('li', { class: 'empty' }, '暂无加注记录。')]));
  };

  const replace = (updated: Annotation) => {
    items = items.map((a) => (a.annotationId === updated.annotationId ? updated : a));
    const old = document.getElementById(`annotation-${updated.annotationId}`);
    if (old) old.replaceWith(row(updated));
    else renderList();
  };

  /**
   * Polls one PENDING annotation on the shared schedule (0.5 s doubling to 10 s, shared/domain/status-polling.ts) until
   * it is something else; the row changes in place (no reload). After the last read of the round it stops and the
   * row offers 刷新状态, so a page left open during a backlog does not poll for ever.
   */
  const poll = async (annotationId: string) => {
    if (polling.has(annotationId)) return;
    polling.add(annotationId);
    try {
      for (const delay of statusPollDelays()) {
        await sleep(delay, signal);
        if (signal.aborted) return;
        let current: Annotation;
        try {
          current = await api<Annotation>(`${base}/${encodeURIComponent(annotationId)}`, { signal });
        } catch (error) {
          if ((error as Error).name === 'AbortError' || (error instanceof ApiError && [401, 403, 404].includes(error.status))) return;
          continue;
        }
        if (current.status !== 'PENDING') {
          replace(current);
          const text = current.status === 'READY' ? '加注件已生成，可以在线查看或下载。' : `加注件状态：${current.statusLabel}`;
          live.textContent = text;
          if (annotationId === lastApplied) formStatus.replaceChildren(message(current.status === 'READY' ? 'success' : 'warn', text));
          return;
        }
      }
      if (signal.aborted) return;
      stalled.add(annotationId);
      const still = items.find((a) => a.annotationId === annotationId);
      if (still) replace(still);
      live.textContent = '证书仍在生成中，可稍后点击“刷新状态”查看。';
    } finally {
      polling.delete(annotationId);
    }
  };

  const load = async () => {
    // The verified contact the 到期提醒 goes to (the account is not needed for anything else here).
    void fetchAccount(signal).then(
      (found) => (account = found),
      () => undefined,
    );
    const answer = await api<AnnotationList>(base, { signal });
    items = answer.items;
    quota = answer.quota;
    renderList();
    renderQuota();
    for (const a of items) if (a.status === 'PENDING') void poll(a.annotationId);
  };

  /**
   * The confirmation step (the seeds' 证书加注页面 → 提交加注申请): nothing is spent until 提交加注申请; 返回修改 goes
   * back to the form with the choices kept.
   */
  const review = h('div', { class: 'review', id: 'apply-review', hidden: true });
  const reviewStatus = h('div', { class: 'form-status' });
  const remind = h('input', { type: 'checkbox', id: 'apply-remind', 'aria-describedby': 'apply-remind-hint' });
  let account: Account | undefined;
  const closeReview = () => {
    review.hidden = true;
    form.hidden = false;
  };

  const openReview = (choice: { scenario: string; validDays: number }) => {
    const scenarioLabel = findScenario(choice.scenario)?.label ?? choice.scenario;
    const until = new Date(Date.now() + choice.validDays * 86_400_000).toISOString();
    const contact = account?.contactMasked;
    remind.disabled = !contact;
    if (!contact) remind.checked = false;
    const back = h('button', { type: 'button', class: 'secondary', id: 'apply-back' }, '返回修改');
    const confirm = h('button', { type: 'button', class: 'primary', id: 'apply-confirm' }, '提交加注申请');
    back.addEventListener('click', () => {
      closeReview();
      scenario.focus();
    });
    confirm.addEventListener('click', () => void submitApplication(choice, confirm));
    reviewStatus.replaceChildren();
    review.replaceChildren(
      h('h3', { id: 'review-heading', tabindex: '-1' }, '请确认加注信息'),
      h('p', null, `提交后将生成加注电子证书，并占用本证书1次加注次数${quota ? `（${quota.windowDays}天内还可申请 ${quota.remaining} 次）` : ''}。`),
      details([
        ['持证人', h('span', { class: 'holder-name' }, cert.holderName)],
        ['证件', `${cert.idTypeLabel} ${cert.idNumberMasked}`],
        ['资格名称', certificateTitle(cert)],
        ['专业', cert.qualification.specialty],
        ['管理号', cert.certId],
        ['批准日期', formatDate(cert.approvalDate)],
        ['签发单位', cert.issuer],
        ['使用场景', h('strong', { id: 'review-scenario' }, scenarioLabel)],
        ['加注有效期', h('strong', { id: 'review-days' }, `${choice.validDays}天`)],
        ['有效期', h('span', { id: 'review-window' }, `自提交申请起，至约 ${formatDateTime(until)}（北京时间），以生成的加注件为准`)],
      ]),
      h(
        'div',
        { class: 'check' },
        remind,
        h('label', { for: remind.id }, '到期提醒：加注有效期届满前提醒我'),
      ),
      h(
        'p',
        { class: 'field-hint', id: 'apply-remind-hint' },
        contact
          ? `届满前（默认提前7天和1天）发送到您已验证的联系方式 ${contact}。`
          : ['您的账号还没有已验证的联系方式，无法发送到期提醒；可在', h('a', { href: '/account' }, '账号设置'), '中设置。'],
      ),
      reviewStatus,
      h('div', { class: 'actions' }, back, confirm),
    );
    form.hidden = true;
    review.hidden = false;
    document.getElementById('review-heading')?.focus();
  };

  const submitApplication = async (choice: { scenario: string; validDays: number }, confirm: HTMLButtonElement) => {
    reviewStatus.replaceChildren();
    const reminding = remind.checked && !remind.disabled;
    try {
      const created = await busy(confirm, () =>
        api<Annotation>(base, {
          json: { ...choice, ...(reminding ? { remind: true } : {}) },
          headers: { 'idempotency-key': idempotencyKey },
          signal,
        }),
      );
      idempotencyKey = crypto.randomUUID();
      lastApplied = created.annotationId;
      items = [created, ...items.filter((a) => a.annotationId !== created.annotationId)];
      renderList();
      closeReview();
      formStatus.replaceChildren(message('success', `已提交加注申请，证书生成中…${reminding ? '已开启到期提醒。' : ''}`));
      void poll(created.annotationId);
      const answer = await api<AnnotationList>(base, { signal });
      quota = answer.quota;
      renderQuota();
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      if (error instanceof ApiError && error.code === 'QUOTA_EXCEEDED') {
        idempotencyKey = crypto.randomUUID();
        const answer = await api<AnnotationList>(base, { signal }).catch(() => undefined);
        if (answer) {
          quota = answer.quota;
          renderQuota();
        }
      }
      (review.hidden ? formStatus : reviewStatus).replaceChildren(message('error', errorText(error)));
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    formStatus.replaceChildren();
    const validDays = Number(days.value);
    if (!Number.isInteger(validDays) || validDays < MIN_VALID_DAYS || validDays > MAX_VALID_DAYS) {
      daysField.setError(`请输入${MIN_VALID_DAYS}至${MAX_VALID_DAYS}之间的整数天数`);
      days.focus();
      return;
    }
    daysField.setError();
    openReview({ scenario: scenario.value, validDays });
  });

  const section = h(
    'div',
    null,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'apply-heading' },
      h('h2', { id: 'apply-heading' }, '申请加注'),
      canApply
        ? [
            h('p', null, '2021年12月17日及以后取得的电子证书，须申请加注后在加注有效期内查看和下载。'),
            quotaBox,
            form,
            review,
          ]
        : h('p', null, '证书已撤销，不能申请加注。'),
    ),
    h('section', { class: 'panel', 'aria-labelledby': 'annotation-history' }, h('h2', { id: 'annotation-history' }, '加注记录'), list, live),
  );
  return { section, load };
}

export async function certificateView({ root, params, signal, flash }: ViewContext): Promise<void> {
  const certId = params.certId ?? '';
  const heading = pageHeading(root, '证书信息', flashMessage(flash), h('p', null, h('a', { href: '/certificates' }, '← 返回我的证书')));
  const loading = h('p', { role: 'status' }, '正在加载证书信息…');
  root.append(loading);
  let cert: Certificate;
  try {
    cert = await api<Certificate>(`/v1/certificates/${encodeURIComponent(certId)}`, { signal });
  } catch (error) {
    if ((error as Error).name !== 'AbortError') loading.replaceWith(message('error', errorText(error)));
    return;
  }
  heading.textContent = certificateTitle(cert);
  document.title = `${certificateTitle(cert)} - 专业技术人员职业资格电子证书`;
  const parts: HTMLElement[] = [];
  if (cert.status === 'REVOKED') parts.push(revokedNotice(cert));
  parts.push(certificateInfo(cert));
  if (!cert.annotationRequired) {
    parts.push(legacyFileSection(cert));
    loading.replaceWith(...parts);
    return;
  }
  const annotations = annotationSection(cert, signal);
  parts.push(annotations.section);
  loading.replaceWith(...parts);
  try {
    await annotations.load();
  } catch (error) {
    if ((error as Error).name !== 'AbortError') annotations.section.append(message('error', errorText(error)));
  }
}
