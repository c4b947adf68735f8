import { api, errorText } from '../api';
import { badge, details, h, message } from '../dom';
import { formatDate } from '../format';
import { pageHeading, type ViewContext } from '../router';
import type { Certificate, CertificateList } from '../types';
import { certificateStatusBadge } from './badges';
import { flashMessage } from './flash';

/** 经济专业技术资格（中级）; a level the name already says (注册测绘师, level 注册) is not repeated. */
export const certificateTitle = (cert: Certificate) => {
  const { name, level } = cert.qualification;
  return level && !name.includes(level) ? `${name}（${level}）` : name;
};

/** What opening a card leads to: only a valid e-certificate can be annotated. */
export function cardAction(cert: Certificate): string {
  if (cert.status !== 'VALID') return '查看证书';
  if (!cert.annotationRequired) return cert.hasElectronicFile ? '查看证书电子文件' : '查看证书';
  return '查看与加注';
}

function card(cert: Certificate): HTMLLIElement {
  const href = `/certificates/${encodeURIComponent(cert.certId)}`;
  return h(
    'li',
    { class: 'card' },
    h('h2', null, h('a', { href }, certificateTitle(cert))),
    h(
      'p',
      { class: 'badges' },
      certificateStatusBadge(cert),
      cert.annotationRequired ? badge('电子证书（需加注）', 'info') : badge('证书电子文件', 'muted'),
    ),
    details([
      ['管理号', cert.certId],
      ['专业', cert.qualification.specialty],
      ['批准日期', formatDate(cert.approvalDate)],
      ['签发单位', cert.issuer],
    ]),
    h('p', null, h('a', { href, class: 'button-link', 'aria-label': `${cardAction(cert)}：${certificateTitle(cert)}（${cert.certId}）` }, cardAction(cert))),
  );
}

export async function certificatesView({ root, flash, signal }: ViewContext): Promise<void> {
  pageHeading(root, '我的证书', flashMessage(flash));
  const loading = h('p', { role: 'status' }, '正在加载证书…');
  root.append(loading);
  let list: CertificateList;
  try {
    list = await api<CertificateList>('/v1/certificates', { signal });
  } catch (error) {
    if ((error as Error).name !== 'AbortError') loading.replaceWith(message('error', errorText(error)));
    return;
  }
  if (list.items.length === 0) {
    const hint = list.hint;
    loading.replaceWith(
      h(
        'div',
        { class: 'message message-info empty-hint' },
        h('h2', null, hint?.message ?? '未查询到您名下的证书信息'),
        hint ? h('ol', null, hint.reasons.map((reason) => h('li', null, reason))) : null,
        hint ? h('p', null, hint.contact) : null,
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'correct-heading', id: 'name-correction' },
        h('h2', { id: 'correct-heading' }, '姓名或证件号码有误？'),
        h(
          'p',
          null,
          '证书按注册的姓名和证件号码显示。如注册时姓名输错（例如生僻字），可在',
          h('a', { href: '/account' }, '账号设置'),
          '中凭当前密码更正姓名；证件号码有误或无法登录原账号时，可',
          h('a', { href: '/register?reregister=1', id: 'reregister-link' }, '凭验证码重新注册'),
          '——验证码发送到报名时登记的联系方式，重新注册将替换原账号（原密码失效，所有设备需重新登录）。',
        ),
      ),
    );
    return;
  }
  loading.replaceWith(
    h('p', { class: 'lead' }, `共 ${list.items.length} 本证书。2021年12月17日及以后取得的电子证书须申请加注后查看和下载。`),
    h('ul', { class: 'cards' }, list.items.map(card)),
  );
}
