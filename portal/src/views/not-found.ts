import { h } from '../dom';
import { pageHeading, type ViewContext } from '../router';

export function notFoundView({ root }: ViewContext): void {
  pageHeading(
    root,
    '页面不存在',
    h('p', null, '您访问的页面不存在或已移动。'),
    h('p', null, h('a', { href: '/' }, '返回首页'), '　', h('a', { href: '/verify' }, '证书查验')),
  );
}
