/**
 * A tiny element builder: text always goes in as text nodes (never HTML), attributes as attributes, `on*` functions as
 * listeners. No inline styles anywhere: the Content-Security-Policy allows none.
 */
export type Child = Node | string | number | null | undefined | false;
type Props = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = String(value);
    else if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    } else if (key === 'value' && 'value' in element) (element as unknown as { value: string }).value = String(value);
    else if (key === 'checked' && 'checked' in element) (element as unknown as { checked: boolean }).checked = Boolean(value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

let ids = 0;
/** A unique element id, for label/aria wiring. */
export const uid = (prefix: string) => `${prefix}-${++ids}`;

/** A labelled form field with an optional hint and an error slot, wired with aria-describedby. */
export function field(options: {
  label: string;
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  hint?: string | Node;
  extra?: Child;
}): { wrapper: HTMLDivElement; setError(message?: string): void } {
  const { control } = options;
  if (!control.id) control.id = uid('f');
  const hintId = `${control.id}-hint`;
  const errorId = `${control.id}-error`;
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const hint = options.hint ? h('p', { class: 'field-hint', id: hintId }, options.hint) : null;
  control.setAttribute('aria-describedby', [hint ? hintId : '', errorId].filter(Boolean).join(' '));
  const wrapper = h('div', { class: 'field' }, h('label', { for: control.id }, options.label), control, hint, options.extra, error);
  const setError = (message?: string) => {
    error.textContent = message ?? '';
    error.hidden = !message;
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  };
  // An error describes the value that was submitted: once the person changes it, the error no longer applies.
  for (const type of ['input', 'change']) control.addEventListener(type, () => setError());
  return { wrapper, setError };
}

/** A status badge: text plus a colour class (never colour alone). */
export const badge = (text: string, tone: 'ok' | 'bad' | 'warn' | 'info' | 'muted') => h('span', { class: `badge badge-${tone}` }, text);

/** A definition list from label/value pairs; empty values are left out. */
export function details(rows: [string, Child | Child[]][]): HTMLDListElement {
  return h(
    'dl',
    { class: 'details' },
    rows
      .filter(([, value]) => value !== undefined && value !== null && value !== '' && value !== false)
      .map(([label, value]) => h('div', { class: 'details-row' }, h('dt', null, label), h('dd', null, value as Child))),
  );
}

/** A message box; `role=alert` for errors that appear after an action. */
export function message(tone: 'error' | 'success' | 'info' | 'warn', ...children: (Child | Child[])[]): HTMLDivElement {
  return h('div', { class: `message message-${tone}`, role: tone === 'error' ? 'alert' : 'status' }, ...children);
}

export function button(label: string, onClick: (event: MouseEvent) => void, props: Props = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...props, onclick: onClick }, label);
}

/** Disables a form's submit button and marks it busy while `work` runs. */
export async function busy<T>(control: HTMLButtonElement, work: () => Promise<T>): Promise<T> {
  control.disabled = true;
  control.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    control.disabled = false;
    control.removeAttribute('aria-busy');
  }
}
