import { api, errorText, fieldErrors } from '../api';
import { busy, field, h, message } from '../dom';

/** Seconds before the same button asks for another code (the API limits sending per identity, source and contact). */
export const RESEND_AFTER_SECONDS = 60;

export interface CodeRequestBody {
  purpose: 'REGISTER' | 'RESET_PASSWORD' | 'CHANGE_CONTACT';
  idType: string;
  idNumber: string;
  contact?: string;
}

/**
 * 获取验证码 (POST /v1/verification-codes), as registration, 忘记密码 and the contact change ask for it. The API answers
 * the same for every identity, so the page says only what the answer means: a code went to where the rules send it,
 * if anywhere. `body()` returns undefined when a field is missing (it marks the field itself).
 */
export function codeButton(options: {
  body: () => CodeRequestBody | undefined;
  status: HTMLElement;
  sentText: string;
  onFieldErrors?: (errors: Record<string, string>) => void;
}): HTMLButtonElement {
  const label = '获取验证码';
  const button = h('button', { type: 'button', class: 'secondary' }, label);
  let timer: ReturnType<typeof setInterval> | undefined;
  const coolDown = () => {
    let left = RESEND_AFTER_SECONDS;
    const tick = () => {
      if (!button.isConnected || left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = '重新获取验证码';
        return;
      }
      button.disabled = true;
      button.textContent = `重新获取（${left}秒）`;
      left -= 1;
    };
    tick();
    timer = setInterval(tick, 1000);
  };
  button.addEventListener('click', async () => {
    options.status.replaceChildren();
    const body = options.body();
    if (!body) return;
    try {
      await busy(button, () => api('/v1/verification-codes', { json: body, auth: false }));
      options.status.replaceChildren(message('success', options.sentText));
      coolDown();
    } catch (error) {
      options.onFieldErrors?.(fieldErrors(error));
      options.status.replaceChildren(message('error', errorText(error)));
    }
  });
  return button;
}

/** The 验证码 field with its 获取验证码 button and the line that says what became of the request. */
export function codeEntry(options: { id: string; hint: string } & Omit<Parameters<typeof codeButton>[0], 'status'>) {
  const input = h('input', { id: options.id, type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '20' });
  const status = h('div', { class: 'form-status' });
  const button = codeButton({ ...options, status });
  const entry = field({ label: '验证码', control: input, hint: options.hint, extra: h('div', { class: 'actions' }, button) });
  return { input, field: entry, status, button };
}
