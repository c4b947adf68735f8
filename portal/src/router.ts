import { append, h, type Child } from './dom';
import { clearSession, getSession } from './session';

/**
 * History-API routing: real paths (`/verify?code=…` is what the QR code on a PDF leads to). The server answers every
 * extension-less path with index.html; this module picks the view.
 */
export interface ViewContext {
  params: Record<string, string>;
  query: URLSearchParams;
  root: HTMLElement;
  /** Aborted when the user leaves the view: stops polls and late renders. */
  signal: AbortSignal;
  /** A one-time message handed over by the previous view (e.g. "登录已过期"). */
  flash?: Flash;
}

export interface Flash {
  tone: 'success' | 'info' | 'error';
  text: string;
}

export interface Route {
  pattern: RegExp;
  keys: string[];
  auth: boolean;
  view: (context: ViewContext) => void | Promise<void>;
}

export function route(path: string, view: Route['view'], options: { auth?: boolean } = {}): Route {
  const keys: string[] = [];
  const source = path.replace(/:(\w+)/g, (_, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}/?$`), keys, auth: options.auth ?? false, view };
}

const SITE = '专业技术人员职业资格电子证书';
let routes: Route[] = [];
let notFound: Route['view'] = () => undefined;
let current: AbortController | undefined;
let pendingFlash: Flash | undefined;

/** Sets the document title and the view's h1, which receives focus so screen readers announce the new page. */
export function pageHeading(root: HTMLElement, title: string, ...extra: (Child | Child[])[]): HTMLHeadingElement {
  document.title = `${title} - ${SITE}`;
  const heading = h('h1', { tabindex: '-1', id: 'page-title' }, title);
  append(root, [heading, ...extra]);
  return heading;
}

export function navigate(to: string, options: { replace?: boolean; flash?: Flash } = {}): void {
  pendingFlash = options.flash;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  void render();
}

/** A same-site path to go back to after logging in; anything else (other origins, `//host`) is ignored. */
export function safeNext(value: string | null): string | undefined {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined;
  return value;
}

export function startRouter(options: { routes: Route[]; notFound: Route['view']; chrome: () => void }): void {
  routes = options.routes;
  notFound = options.notFound;
  window.addEventListener('popstate', () => void render());
  document.addEventListener('click', (event) => {
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (anchor.target || anchor.hasAttribute('download') || anchor.origin !== location.origin) return;
    if (anchor.pathname.startsWith('/v1/') || anchor.pathname === '/openapi.json') return;
    if (anchor.getAttribute('href')?.startsWith('#')) return;
    event.preventDefault();
    navigate(`${anchor.pathname}${anchor.search}`);
  });
  chrome = options.chrome;
  void render();
}

let chrome: () => void = () => undefined;

export async function render(): Promise<void> {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  const flash = pendingFlash;
  pendingFlash = undefined;

  let view: Route['view'] = notFound;
  let params: Record<string, string> = {};
  let auth = false;
  for (const candidate of routes) {
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    view = candidate.view;
    auth = candidate.auth;
    params = Object.fromEntries(candidate.keys.map((key, i) => [key, decodeURIComponent(match[i + 1]!)]));
    break;
  }
  if (auth && !getSession()) {
    clearSession();
    navigate(`/login?next=${encodeURIComponent(path + location.search)}`, {
      replace: true,
      flash: { tone: 'info', text: '请先登录' },
    });
    return;
  }

  chrome();
  const main = document.getElementById('main')!;
  const root = h('div', { class: 'view' });
  main.replaceChildren(root);
  main.setAttribute('aria-busy', 'true');
  try {
    await view({ params, query, root, signal: controller.signal, ...(flash ? { flash } : {}) });
  } finally {
    if (current === controller) main.removeAttribute('aria-busy');
  }
  if (current === controller) document.getElementById('page-title')?.focus({ preventScroll: false });
}
