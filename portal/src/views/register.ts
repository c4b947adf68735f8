import { checkHolderName, checkIdNumber } from '../../../shared/domain/identity';
import { api, ApiError, errorText, fieldErrors } from '../api';
import { busy, field, h, message } from '../dom';
import { navigate, pageHeading, safeNext, type ViewContext } from '../router';
import { codeEntry } from './code-button';
import { formParts } from './forms';
import { idFields } from './id-fields';
import { holderNameField } from './name-field';
import { logIn } from './login';
import { PASSWORD_RULE, passwordProblem } from './password-rules';

export function registerView({ root, query }: ViewContext): void {
  // Reached from the empty certificate list (a name typed wrongly at registration): the page says what replacing means.
  const reregister = query.get('reregister') === '1';
  const nameField = holderNameField({
    id: 'reg-name',
    label: '姓名',
    hint: '与取得证书时所用姓名一致。姓名中有输入法打不出的生僻字时，请用“生僻字输入”按拼音查找。',
  });
  const name = nameField.input;

  const ids = idFields('reg');
  ids.idNumber.setAttribute('autocomplete', 'off');
  const password = h('input', { id: 'reg-password', type: 'password', autocomplete: 'new-password' });
  const confirm = h('input', { id: 'reg-password2', type: 'password', autocomplete: 'new-password' });
  const passwordField = field({ label: '设置密码', control: password, hint: PASSWORD_RULE });
  const confirmField = field({ label: '确认密码', control: confirm });
  // Accounts v2: registration proves control of a contact with a one-time code.
  const contact = h('input', { id: 'reg-contact', type: 'text', autocomplete: 'tel', inputmode: 'email', spellcheck: 'false', maxlength: '254' });
  const contactField = field({
    label: '手机号码或电子邮箱',
    control: contact,
    hint: '用于接收验证码。如报名时登记过联系方式，验证码只发送到登记的联系方式。',
  });
  const { input: code, field: codeField, status: codeStatus } = codeEntry({
    id: 'reg-code',
    hint: '6位数字，10分钟内有效；也可输入客服提供的恢复码。',
    sentText: '验证码已发送，请查收（如有登记的联系方式，将发送到登记的联系方式）。',
    body: () => {
      const id = ids.required();
      return id && { purpose: 'REGISTER', ...id, ...(contact.value.trim() ? { contact: contact.value.trim() } : {}) };
    },
    onFieldErrors: (errors) => {
      if (errors.contact) contactField.setError(errors.contact);
    },
  });
  const { form, status, submit } = formParts({
    labelledBy: 'page-title',
    submitLabel: '注册',
    fields: [
      nameField.wrapper,
      nameField.helperPanel,
      ids.typeField.wrapper,
      ids.numberField.wrapper,
      passwordField.wrapper,
      confirmField.wrapper,
      contactField.wrapper,
      codeField.wrapper,
      codeStatus,
    ],
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    const { idType, idNumber } = ids.value();
    const nameCheck = checkHolderName(name.value);
    const idCheck = idNumber ? checkIdNumber(idType, idNumber) : ({ ok: false, reason: '请输入证件号码' } as const);
    const invalid: HTMLElement[] = [];
    nameField.setError(nameCheck.ok ? undefined : nameCheck.reason);
    if (!nameCheck.ok) invalid.push(name);
    ids.numberField.setError(idCheck.ok ? undefined : idCheck.reason);
    if (!idCheck.ok) invalid.push(ids.idNumber);
    const weak = passwordProblem(password.value);
    passwordField.setError(weak);
    if (weak) invalid.push(password);
    const mismatch = confirm.value !== password.value ? '两次输入的密码不一致' : undefined;
    confirmField.setError(mismatch);
    if (mismatch) invalid.push(confirm);
    const missingCode = code.value.trim() ? undefined : '请输入验证码';
    codeField.setError(missingCode);
    if (missingCode) invalid.push(code);
    if (invalid.length > 0) {
      status.replaceChildren(message('error', `请修改${invalid.length}处错误后再提交`));
      invalid[0]!.focus();
      return;
    }
    const body = { name: name.value, idType, idNumber, password: password.value, code: code.value.trim() };
    try {
      const session = await busy(submit, async () => {
        await api('/v1/accounts', { json: body, auth: false });
        return logIn({ idType, idNumber, password: password.value });
      });
      const done = `${reregister ? '重新注册' : '注册'}成功`;
      // A re-registered account keeps the notice version it accepted.
      if (session.noticeAccepted) navigate('/certificates', { flash: { tone: 'success', text: done } });
      else navigate('/notice', { flash: { tone: 'success', text: `${done}，请阅读并同意服务须知` } });
    } catch (error) {
      const errors = fieldErrors(error);
      if (errors.name) nameField.setError(errors.name);
      if (errors.idNumber) ids.numberField.setError(errors.idNumber);
      if (errors.password) passwordField.setError(errors.password);
      if (errors.code) codeField.setError(errors.code);
      if (error instanceof ApiError && error.code === 'CODE_INVALID') codeField.setError('验证码不正确或已失效，请重新获取');
      const reset = error instanceof ApiError && error.code === 'ALREADY_REGISTERED' ? safeNext(String(error.problem.passwordResetPath ?? '/forgot-password')) : undefined;
      status.replaceChildren(message('error', errorText(error), reset ? h('p', null, h('a', { href: reset }, '忘记密码，去重置')) : null));
    }
  });

  pageHeading(
    root,
    reregister ? '重新注册' : '持证人注册',
    reregister
      ? h(
          'div',
          { class: 'message message-info', role: 'note', id: 'reregister-note' },
          h('h2', null, '重新注册将替换原账号'),
          h(
            'p',
            null,
            '请填写取得证书时所用的正确姓名和证件号码，凭验证码重新注册。验证码发送到报名时登记的联系方式或原账号已验证的联系方式（无法接收时可向客服申请恢复码）。',
          ),
          h('p', null, '重新注册后，原账号的姓名、密码和联系方式被替换，所有已登录的设备需重新登录；证书按新的姓名和证件号码显示。'),
          h('p', null, '仍能登录原账号时，也可在', h('a', { href: '/account' }, '账号设置'), '中直接更正姓名。'),
        )
      : null,
    h(
      'p',
      { class: 'lead' },
      '请使用取得证书时所用的姓名和证件号码注册；注册后即可查看名下的职业资格证书。姓名有误或证件已被他人注册时，凭发送到登记联系方式的验证码重新注册即可更正。',
    ),
    h('div', { class: 'panel' }, form),
    h('p', null, '已有账号？', h('a', { href: '/login' }, '登录'), '　', h('a', { href: '/forgot-password' }, '忘记密码')),
  );
}
