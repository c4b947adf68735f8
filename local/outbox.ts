import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorEndpoints } from '../shared/target/local-target';
import type { SentText } from './sms-answerer';

/**
 * Local runtime only — never a route of the cloud stack (ROUTES has no /dev path; test/infra checks the synthesized
 * API): `GET /dev/outbox` lists every message the local stack sent, newest first, as
 * `[{to, channel: 'SMS' | 'EMAIL', text, sentAt}]` (e-mail adds `subject`), read from aws-ses-v2-local's store and the
 * SMS answerer's. `GET /dev/outbox.html` shows the same list as a page that refreshes itself.
 */
export interface OutboxMessage {
  to: string;
  channel: 'SMS' | 'EMAIL';
  subject?: string;
  text: string;
  sentAt: string;
}

interface SesStore {
  emails: Array<{ destination: { to: string[] }; subject: string; body: { text?: string; html?: string }; at: number }>;
}

export const OUTBOX_PATH = '/dev/outbox';
export const OUTBOX_PAGE_PATH = '/dev/outbox.html';

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as T;
}

export async function readOutbox(endpoints: Pick<EmulatorEndpoints, 'ses' | 'sms'>): Promise<OutboxMessage[]> {
  const [ses, sms] = await Promise.all([
    getJson<SesStore>(`${endpoints.ses}/store`),
    getJson<{ messages: SentText[] }>(`${endpoints.sms}/store`),
  ]);
  // Both stores keep sending order; SES stamps whole seconds, so order breaks ties within one second.
  const all = [
    ...ses.emails.map((email, order) => ({
      order,
      at: email.at * 1000,
      message: {
        to: email.destination.to.join(', '),
        channel: 'EMAIL' as const,
        subject: email.subject,
        text: email.body.text ?? email.body.html ?? '',
        sentAt: new Date(email.at * 1000).toISOString(),
      },
    })),
    ...sms.messages.map((text, order) => ({
      order,
      at: Math.floor(text.at / 1000) * 1000,
      message: { to: text.to, channel: 'SMS' as const, text: text.text, sentAt: new Date(text.at).toISOString() },
    })),
  ];
  return all.sort((a, b) => b.at - a.at || b.order - a.order).map((entry) => entry.message);
}

const PAGE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>本地发件箱 · ecert</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,"Noto Sans SC",sans-serif;margin:2rem;color:#1f2933}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #d9dee3;padding:.5rem;text-align:left;vertical-align:top}th{background:#f3f5f7}
td.text{white-space:pre-wrap}.empty{color:#616e7c}</style></head>
<body><h1>本地发件箱</h1><p>本地栈发出的每一条短信和邮件（仅本地运行时提供，云端没有此页面），最新的在前，每2秒刷新。</p>
<table><thead><tr><th>时间</th><th>渠道</th><th>收件人</th><th>内容</th></tr></thead><tbody id="rows"></tbody></table>
<script src="/dev/outbox.js"></script></body></html>`;

const SCRIPT = `const rows = document.getElementById('rows');
async function refresh() {
  const messages = await (await fetch('/dev/outbox')).json();
  rows.replaceChildren(...(messages.length ? messages.map((m) => {
    const tr = document.createElement('tr');
    for (const [value, cls] of [[new Date(m.sentAt).toLocaleString('zh-CN'), ''], [m.channel === 'SMS' ? '短信' : '邮件', ''], [m.to, ''], [(m.subject ? m.subject + '\\n' : '') + m.text, 'text']]) {
      const td = document.createElement('td'); td.textContent = value; if (cls) td.className = cls; tr.append(td);
    }
    return tr;
  }) : [Object.assign(document.createElement('tr'), { innerHTML: '<td colspan="4" class="empty">还没有发出任何消息</td>' })]));
}
refresh(); setInterval(refresh, 2000);`;

/** The `/dev/*` paths of the local HTTP server; false for any other path. */
export function devRoutes(endpoints: Pick<EmulatorEndpoints, 'ses' | 'sms'>) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== OUTBOX_PATH && path !== OUTBOX_PAGE_PATH && path !== '/dev/outbox.js') return false;
    request.resume();
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' });
      response.end('GET only');
      return true;
    }
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (path === OUTBOX_PAGE_PATH) {
      response.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
      response.end(PAGE);
    } else if (path === '/dev/outbox.js') {
      response.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' });
      response.end(SCRIPT);
    } else {
      response.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(await readOutbox(endpoints)));
    }
    return true;
  };
}
