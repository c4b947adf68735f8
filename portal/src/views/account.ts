import { checkHolderName, ID_TYPE_LABELS } from '../../../shared/domain/identity';
import { api, ApiError, errorText, fieldErrors } from '../api';
import { retryAfterOf, withChallenge } from '../challenge';
import { busy, details, field, h, message } from '../dom';
import { navigate, pageHeading, type ViewContext } from '../router';
import { clearSession, updateSession } from '../session';
import { codeEntry } from './code-button';
import { formParts } from './forms';
import { holderNameField } from './name-field';
import { flashMessage } from './flash';
import { PASSWORD_RULE, passwordProblem } from './password-rules';
import type { Account } from '../types';

export type { Account };

export const fetchAccount = (signal?: AbortSignal) => api<Account>('/v1/accounts/me', signal ? { signal } : {});

/** A 429 of a password check: the server's words, and how long to wait when it says so. */
const attemptError = (error: unknown) => {
  const wait = retryAfterOf(error);
  return message('error', errorText(error), wait ? `（请约 ${wait} 秒后再试）` : '');
};

function passwordSection(): HTMLElement {
  const current = h('input', { id: 'pw-current', type: 'password', autocomplete: 'current-password' });
  const next = h('input', { id: 'pw-new', type: 'password', autocomplete: 'new-password' });
  const confirm = h('input', { id: 'pw-new2', type: 'password', autocomplete: 'new-password' });
  const currentField = field({ label: '当前密码', control: current });
  const nextField = field({ label: '新密码', control: next, hint: PASSWORD_RULE });
  const confirmField = field({ label: '确认新密码', control: confirm });
  const { form, status, submit, challengeSlot } = formParts({
    labelledBy: 'password-heading',
    submitLabel: '修改密码',
    fields: [currentField.wrapper, nextField.wrapper, confirmField.wrapper],
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    currentField.setError(current.value ? undefined : '请输入当前密码');
    const weak = passwordProblem(next.value) ?? (next.value && next.value === current.value ? '新密码不能与当前密码相同' : undefined);
    nextField.setError(weak);
    const mismatch = confirm.value !== next.value ? '两次输入的密码不一致' : undefined;
    confirmField.setError(mismatch);
    const first = !current.value ? current : weak ? next : mismatch ? confirm : undefined;
    if (first) return first.focus();
    try {
      await busy(submit, () =>
        withChallenge(challengeSlot, (altcha) =>
          api('/v1/accounts/me/password', {
            method: 'PUT',
            json: { currentPassword: current.value, newPassword: next.value, ...(altcha ? { altcha } : {}) },
          }),
        ),
      );
      // The change ends every session of the account, this one included.
      clearSession();
      navigate('/login?next=%2Faccount', { flash: { tone: 'success', text: '密码已修改，请使用新密码重新登录。其他设备上的登录均已退出。' } });
    } catch (error) {
      const errors = fieldErrors(error);
      if (errors.newPassword) nextField.setError(errors.newPassword);
      if (error instanceof ApiError && error.code === 'INVALID_CREDENTIALS') {
        currentField.setError('当前密码不正确');
        current.focus();
      }
      current.value = '';
      status.replaceChildren(attemptError(error));
    }
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'password-heading', id: 'password-section' },
    h('h2', { id: 'password-heading' }, '修改密码'),
    h('p', null, '修改后，所有设备上的登录都将退出，需用新密码重新登录。'),
    form,
  );
}

function nameSection(account: Account): HTMLElement {
  const nameField = holderNameField({
    id: 'name-new',
    label: '正确的姓名',
    hint: '与取得证书时所用姓名完全一致（含生僻字和间隔号“·”）。',
    value: account.name,
  });
  const name = nameField.input;
  const password = h('input', { id: 'name-password', type: 'password', autocomplete: 'current-password' });
  const passwordField = field({ label: '当前密码', control: password, hint: '为确认是您本人操作，请输入当前密码。' });
  const { form, status, submit, challengeSlot } = formParts({
    labelledBy: 'name-heading',
    submitLabel: '更正姓名',
    fields: [nameField.wrapper, nameField.helperPanel, passwordField.wrapper],
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    const checked = checkHolderName(name.value);
    const nameProblem = !checked.ok ? checked.reason : checked.name === account.name ? '新姓名与当前姓名相同' : undefined;
    nameField.setError(nameProblem);
    passwordField.setError(password.value ? undefined : '请输入当前密码');
    if (nameProblem) return name.focus();
    if (!password.value) return password.focus();
    const corrected = checked.ok ? checked.name : name.value;
    try {
      await busy(submit, () =>
        withChallenge(challengeSlot, (altcha) =>
          api('/v1/accounts/me/name', { method: 'PUT', json: { name: corrected, password: password.value, ...(altcha ? { altcha } : {}) } }),
        ),
      );
      updateSession({ holderName: corrected });
      // Certificates match on (ID, name): the list is read afresh under the corrected name.
      navigate('/certificates', { flash: { tone: 'success', text: `姓名已更正为“${corrected}”，证书列表已按新姓名更新。` } });
    } catch (error) {
      const errors = fieldErrors(error);
      if (errors.name) nameField.setError(errors.name);
      if (error instanceof ApiError && error.code === 'INVALID_CREDENTIALS') {
        passwordField.setError('当前密码不正确');
        password.focus();
      }
      password.value = '';
      status.replaceChildren(attemptError(error));
    }
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'name-heading', id: 'name-section' },
    h('h2', { id: 'name-heading' }, '更正姓名'),
    h(
      'p',
      null,
      '证书按证件号码和姓名显示：注册时姓名有误（例如生僻字输入不正确）时，证书列表为空。请更正为取得证书时所用的姓名，更正后证书列表随即按新姓名显示。',
    ),
    form,
  );
}

function contactSection(account: Account): HTMLElement {
  const idNumber = h('input', { id: 'contact-idNumber', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: '64' });
  const idField = field({
    label: '证件号码',
    control: idNumber,
    hint: `为确认是您本人，请输入账号的${ID_TYPE_LABELS[account.idType]}号码（${account.idNumberMasked}）。`,
  });
  const contact = h('input', { id: 'contact-new', type: 'text', autocomplete: 'tel', inputmode: 'email', spellcheck: 'false', maxlength: '254' });
  const contactField = field({ label: '新的手机号码或电子邮箱', control: contact, hint: '验证码将发送到这个新的联系方式。' });
  const { input: code, field: codeField, status: codeStatus } = codeEntry({
    id: 'contact-code',
    hint: '6位数字，10分钟内有效。',
    sentText: '验证码已发送到新的联系方式，10分钟内有效。',
    body: () => {
      idField.setError(idNumber.value.trim() ? undefined : '请输入证件号码');
      contactField.setError(contact.value.trim() ? undefined : '请输入新的手机号码或电子邮箱');
      if (!idNumber.value.trim()) return void idNumber.focus();
      if (!contact.value.trim()) return void contact.focus();
      return { purpose: 'CHANGE_CONTACT', idType: account.idType, idNumber: idNumber.value.trim(), contact: contact.value.trim() };
    },
    onFieldErrors: (errors) => {
      if (errors.contact) contactField.setError(errors.contact);
      if (errors.idNumber) idField.setError(errors.idNumber);
    },
  });
  const { form, status, submit } = formParts({
    labelledBy: 'contact-heading',
    submitLabel: '更换联系方式',
    fields: [idField.wrapper, contactField.wrapper, codeField.wrapper, codeStatus],
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    contactField.setError(contact.value.trim() ? undefined : '请输入新的手机号码或电子邮箱');
    codeField.setError(code.value.trim() ? undefined : '请输入验证码');
    if (!contact.value.trim()) return contact.focus();
    if (!code.value.trim()) return code.focus();
    try {
      await busy(submit, () => api('/v1/accounts/me/contact', { method: 'PUT', json: { contact: contact.value.trim(), code: code.value.trim() } }));
      navigate('/account', { replace: true, flash: { tone: 'success', text: '联系方式已更换。验证码和到期提醒将发送到新的联系方式。' } });
    } catch (error) {
      const errors = fieldErrors(error);
      if (errors.contact) contactField.setError(errors.contact);
      if (error instanceof ApiError && error.code === 'CODE_INVALID') {
        codeField.setError('验证码不正确、已失效，或不是发给这个联系方式的');
        code.focus();
      }
      status.replaceChildren(message('error', errorText(error)));
    }
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'contact-heading', id: 'contact-section' },
    h('h2', { id: 'contact-heading' }, '联系方式'),
    h(
      'p',
      null,
      account.contactMasked
        ? ['当前已验证的联系方式：', h('strong', { id: 'contact-current' }, account.contactMasked), '。忘记密码的验证码和到期提醒都发送到这里。']
        : '您的账号还没有已验证的联系方式：忘记密码时验证码只能发送到报名时登记的联系方式，也收不到到期提醒。',
    ),
    form,
  );
}

function reminderSection(account: Account): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'remind-heading', id: 'remind-section' },
    h('h2', { id: 'remind-heading' }, '到期提醒'),
    h(
      'p',
      null,
      '到期提醒在每次申请加注时选择：在证书页面“申请加注”后的确认页勾选“到期提醒”，加注有效期届满前（默认提前7天和1天）将提醒发送到您已验证的联系方式。证书被撤销或加注件已过期后不再提醒。',
    ),
    account.contactMasked
      ? h('p', null, '提醒将发送到：', h('strong', null, account.contactMasked))
      : message('warn', '您的账号还没有已验证的联系方式，无法接收到期提醒，请先在上方设置联系方式。'),
  );
}

export async function accountView({ root, flash, signal }: ViewContext): Promise<void> {
  pageHeading(root, '账号设置', flashMessage(flash));
  const loading = h('p', { role: 'status' }, '正在加载账号信息…');
  root.append(loading);
  let account: Account;
  try {
    account = await fetchAccount(signal);
  } catch (error) {
    if ((error as Error).name !== 'AbortError') loading.replaceWith(message('error', errorText(error)));
    return;
  }
  updateSession({ holderName: account.name });
  loading.replaceWith(
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'account-heading', id: 'account-info' },
      h('h2', { id: 'account-heading' }, '账号信息'),
      details([
        ['姓名', h('span', { class: 'holder-name' }, account.name)],
        ['证件', `${ID_TYPE_LABELS[account.idType]} ${account.idNumberMasked}`],
        ['联系方式', account.contactMasked ?? '未验证'],
        ['服务须知', account.noticeVersion ? `已同意（版本 ${account.noticeVersion}）` : '未同意'],
      ]),
    ),
    passwordSection(),
    nameSection(account),
    contactSection(account),
    reminderSection(account),
  );
}
