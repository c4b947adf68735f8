import { api, ApiError, errorText } from '../api';
import { busy, h, message } from '../dom';
import { navigate, pageHeading, type ViewContext } from '../router';
import { getSession, updateSession } from '../session';
import { flashMessage } from './flash';

interface Notice {
  version: string;
  text: string;
}

export async function noticeView({ root, flash, signal }: ViewContext): Promise<void> {
  pageHeading(root, '服务须知', flashMessage(flash));
  const loading = h('p', { role: 'status' }, '正在加载服务须知…');
  root.append(loading);
  let notice: Notice;
  try {
    notice = await api<Notice>('/v1/notice', { auth: false, signal });
  } catch (error) {
    loading.replaceWith(message('error', errorText(error)));
    return;
  }
  const [, ...paragraphs] = notice.text.split('\n');
  const text = h(
    'div',
    { class: 'notice-text', id: 'notice-text', tabindex: '0', role: 'region', 'aria-label': '服务须知全文' },
    paragraphs.map((p) => h('p', null, p)),
  );
  const accepted = getSession()?.noticeAccepted ?? false;
  const checkbox = h('input', { type: 'checkbox', id: 'notice-agree', 'aria-describedby': 'notice-version' });
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, '同意并继续');
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    h('div', { class: 'check' }, checkbox, h('label', { for: 'notice-agree' }, '我已阅读并同意以上服务须知')),
    h('p', { class: 'field-hint', id: 'notice-version' }, `须知版本：${notice.version}`),
    status,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!checkbox.checked) {
      status.replaceChildren(message('error', '请先勾选“我已阅读并同意以上服务须知”'));
      checkbox.focus();
      return;
    }
    try {
      await busy(submit, () => api('/v1/notice/acceptance', { json: { version: notice.version } }));
      updateSession({ noticeAccepted: true });
      navigate('/certificates', { flash: { tone: 'success', text: '已同意服务须知' } });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'NOTICE_VERSION_OUTDATED') {
        navigate('/notice', { replace: true, flash: { tone: 'info', text: '服务须知已更新，请重新阅读' } });
        return;
      }
      status.replaceChildren(message('error', errorText(error)));
    }
  });
  loading.replaceWith(
    h('p', { class: 'lead' }, '首次使用前，请阅读并同意以下服务须知。'),
    h('div', { class: 'panel' }, text, accepted ? h('p', null, '您已同意当前版本的服务须知。', h('a', { href: '/certificates' }, '查看我的证书')) : form),
  );
}
