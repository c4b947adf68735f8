import { onSessionProblem } from './api';
import { h } from './dom';
import { navigate, route, startRouter } from './router';
import { clearSession, getSession } from './session';
import { certificateView } from './views/certificate';
import { certificatesView } from './views/certificates';
import { accountView } from './views/account';
import { documentView } from './views/document-route';
import { forgotPasswordView } from './views/forgot-password';
import { loginView } from './views/login';
import { noticeView } from './views/notice';
import { notFoundView } from './views/not-found';
import { registerView } from './views/register';
import { verifyView } from './views/verify';

// The rare-character font stylesheet is large (one unicode-range per slice): loaded without blocking the first paint.
const fontCss = document.createElement('link');
fontCss.rel = 'stylesheet';
fontCss.href = __RARE_FONT_CSS_URL__;
document.head.append(fontCss);

onSessionProblem({
  unauthenticated: () => {
    const here = location.pathname + location.search;
    navigate(`/login?next=${encodeURIComponent(here)}`, {
      replace: true,
      flash: { tone: 'info', text: '登录已失效，请重新登录' },
    });
  },
  noticeRequired: () => navigate('/notice', { replace: true, flash: { tone: 'info', text: '请先阅读并同意服务须知' } }),
});

function logout(): void {
  clearSession();
  navigate('/login', { flash: { tone: 'success', text: '您已退出登录' } });
}

/** Header navigation, redrawn on every view: it depends on the session and marks the current page. */
function chrome(): void {
  const nav = document.getElementById('site-nav')!;
  const session = getSession();
  const link = (href: string, text: string) => {
    const current = location.pathname === href || (href !== '/' && location.pathname.startsWith(`${href}/`));
    return h('li', null, h('a', { href, ...(current ? { 'aria-current': 'page' } : {}) }, text));
  };
  const items = session
    ? [
        link('/certificates', '我的证书'),
        link('/verify', '证书查验'),
        link('/account', '账号设置'),
        h('li', { class: 'nav-user' }, h('span', { class: 'visually-hidden' }, '当前用户：'), session.holderName),
        h('li', null, h('button', { type: 'button', class: 'link-button', onclick: logout }, '退出登录')),
      ]
    : [link('/verify', '证书查验'), link('/login', '登录'), link('/register', '注册')];
  nav.replaceChildren(h('ul', null, items));
}

startRouter({
  chrome,
  notFound: notFoundView,
  routes: [
    route('/', () => navigate(getSession() ? '/certificates' : '/login', { replace: true })),
    route('/login', loginView),
    route('/register', registerView),
    route('/forgot-password', forgotPasswordView),
    route('/account', accountView, { auth: true }),
    route('/notice', noticeView, { auth: true }),
    route('/certificates', certificatesView, { auth: true }),
    route('/certificates/:certId', certificateView, { auth: true }),
    // Documents open through the portal: each visit asks the API for a fresh presigned link (views/document-route.ts).
    route('/documents/:certId/annotations/:annotationId', documentView, { auth: true }),
    route('/documents/:certId/file', documentView, { auth: true }),
    route('/verify', verifyView),
  ],
});
