import { api, ApiError, errorText, fieldErrors } from '../api';
import { busy, field, h, message } from '../dom';
import { navigate, pageHeading, type ViewContext } from '../router';
import { clearSession } from '../session';
import { codeEntry } from './code-button';
import { formParts } from './forms';
import { flashMessage } from './flash';
import { idFields } from './id-fields';
import { PASSWORD_RULE, passwordProblem } from './password-rules';

/**
 * 忘记密码 (POST /v1/accounts/password-reset): a RESET_PASSWORD code goes to the account's verified contact (or, for an
 * older account, the contact on record), never to one typed here. The page answers alike for every ID number: that the
 * code went out *if* there is an account, never whether there is one.
 */
export function forgotPasswordView({ root, flash }: ViewContext): void {
  const ids = idFields('reset');
  ids.idNumber.setAttribute('autocomplete', 'username');
  const { input: code, field: codeField, status: codeStatus } = codeEntry({
    id: 'reset-code',
    hint: '6位数字，10分钟内有效；也可输入客服提供的恢复码。',
    sentText:
      '如该证件已注册账号，验证码已发送到账号已验证的联系方式（没有时为报名时登记的联系方式），10分钟内有效。几分钟内没有收到，请核对证件类型和号码；无法接收验证码时请联系客服，核实身份后可获得恢复码。',
    body: () => {
      const id = ids.required();
      return id && { purpose: 'RESET_PASSWORD', ...id };
    },
    onFieldErrors: (errors) => {
      if (errors.idNumber) ids.numberField.setError(errors.idNumber);
    },
  });
  const password = h('input', { id: 'reset-password', type: 'password', autocomplete: 'new-password' });
  const confirm = h('input', { id: 'reset-password2', type: 'password', autocomplete: 'new-password' });
  const passwordField = field({ label: '新密码', control: password, hint: PASSWORD_RULE });
  const confirmField = field({ label: '确认新密码', control: confirm });
  const { form, status, submit } = formParts({
    labelledBy: 'page-title',
    submitLabel: '重置密码',
    fields: [ids.typeField.wrapper, ids.numberField.wrapper, codeField.wrapper, codeStatus, passwordField.wrapper, confirmField.wrapper],
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    const { idType, idNumber } = ids.value();
    const invalid: HTMLElement[] = [];
    const check = (ok: boolean, setError: (m?: string) => void, text: string, control: HTMLElement) => {
      setError(ok ? undefined : text);
      if (!ok) invalid.push(control);
    };
    check(Boolean(idNumber), ids.numberField.setError, '请输入证件号码', ids.idNumber);
    check(Boolean(code.value.trim()), codeField.setError, '请输入验证码', code);
    const weak = passwordProblem(password.value);
    check(!weak, passwordField.setError, weak ?? '', password);
    check(confirm.value === password.value, confirmField.setError, '两次输入的密码不一致', confirm);
    if (invalid.length > 0) {
      status.replaceChildren(message('error', `请修改${invalid.length}处错误后再提交`));
      invalid[0]!.focus();
      return;
    }
    try {
      await busy(submit, () =>
        api('/v1/accounts/password-reset', { json: { idType, idNumber, code: code.value.trim(), newPassword: password.value }, auth: false }),
      );
      // Every session of the account has ended, this tab's included.
      clearSession();
      navigate('/login', { flash: { tone: 'success', text: '密码已重置，请使用新密码登录。其他设备上的登录均已退出。' } });
    } catch (error) {
      const errors = fieldErrors(error);
      if (errors.newPassword) passwordField.setError(errors.newPassword);
      if (errors.idNumber) ids.numberField.setError(errors.idNumber);
      if (error instanceof ApiError && error.code === 'CODE_INVALID') {
        codeField.setError('验证码不正确或已失效，请重新获取');
        code.focus();
      }
      status.replaceChildren(message('error', errorText(error)));
    }
  });

  pageHeading(
    root,
    '忘记密码',
    flashMessage(flash),
    h(
      'p',
      { class: 'lead' },
      '凭发送到账号已验证联系方式的验证码设置新密码。重置后，所有设备上的登录都将退出，请用新密码重新登录。',
    ),
    h('div', { class: 'panel' }, form),
    h('p', null, '想起密码了？', h('a', { href: '/login' }, '返回登录')),
    h('p', null, '注册时姓名有误或证件已被他人注册？', h('a', { href: '/register?reregister=1' }, '凭验证码重新注册')),
  );
}
