import { api, ApiError, errorText } from '../api';
import { busy, field, h, message } from '../dom';
import { retryAfterOf, withChallenge } from '../challenge';
import { navigate, pageHeading, safeNext, type ViewContext } from '../router';
import { saveSession } from '../session';
import { flashMessage } from './flash';
import { formParts } from './forms';
import { idFields } from './id-fields';

export interface LoginAnswer {
  token: string;
  expiresAt: string;
  holderId: string;
  holderName: string;
  noticeAccepted: boolean;
}

export async function logIn(credentials: { idType: string; idNumber: string; password: string; altcha?: string }): Promise<LoginAnswer> {
  const answer = await api<LoginAnswer>('/v1/sessions', { json: credentials, auth: false });
  saveSession({
    token: answer.token,
    expiresAt: answer.expiresAt,
    holderName: answer.holderName,
    noticeAccepted: answer.noticeAccepted,
  });
  return answer;
}

export function loginView({ root, query, flash }: ViewContext): void {
  const ids = idFields('login');
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password' });
  const passwordField = field({ label: '密码', control: password, extra: h('p', { class: 'field-hint' }, h('a', { href: '/forgot-password' }, '忘记密码？')) });
  const { form, status, submit, challengeSlot } = formParts({
    labelledBy: 'page-title',
    submitLabel: '登录',
    fields: [ids.typeField.wrapper, ids.numberField.wrapper, passwordField.wrapper],
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { idType, idNumber } = ids.value();
    ids.numberField.setError(idNumber ? undefined : '请输入证件号码');
    passwordField.setError(password.value ? undefined : '请输入密码');
    if (!idNumber) return ids.idNumber.focus();
    if (!password.value) return password.focus();
    status.replaceChildren();
    try {
      const answer = await busy(submit, () =>
        withChallenge(challengeSlot, (altcha) => logIn({ idType, idNumber, password: password.value, ...(altcha ? { altcha } : {}) })),
      );
      const next = safeNext(query.get('next'));
      navigate(answer.noticeAccepted ? (next ?? '/certificates') : '/notice');
    } catch (error) {
      const wait = retryAfterOf(error);
      const wrong = error instanceof ApiError && error.code === 'INVALID_CREDENTIALS';
      status.replaceChildren(
        message(
          'error',
          errorText(error),
          wait ? `（请约 ${wait} 秒后再试）` : '',
          wrong ? h('p', null, '忘记了密码？', h('a', { href: '/forgot-password' }, '凭验证码重置密码')) : null,
        ),
      );
      password.value = '';
    }
  });

  pageHeading(
    root,
    '持证人登录',
    flashMessage(flash),
    h('p', { class: 'lead' }, '使用注册时的证件类型、证件号码和密码登录，查看和下载您的职业资格电子证书。'),
    h('div', { class: 'panel' }, form),
    h('p', null, '还没有账号？', h('a', { href: '/register' }, '注册')),
    h('p', null, '查验他人出示的电子证书无需登录：', h('a', { href: '/verify' }, '证书查验')),
  );
}
