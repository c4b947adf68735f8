import { h, uid } from './dom';
import { indexEntries, parseEntry, search, type Indexed, type RareEntry } from './rare-index';

/**
 * The rare-character helper (生僻字输入): a name field's companion that finds the characters of the CJK extension
 * blocks (A to H — those input methods mostly cannot type) by pinyin and inserts the chosen one at the caret. The table
 * (generated at build time from the `pinyin` package's dictionary and Unihan's readings) is fetched the first time the
 * helper opens; the characters render in the `ecert-rare` web font, whose slices the browser fetches only for the
 * characters on screen.
 */
let table: Promise<Map<string, Indexed[]>> | undefined;

function loadTable(): Promise<Map<string, Indexed[]>> {
  table ??= fetch(__RARE_CHARS_URL__)
    .then((response) => {
      if (!response.ok) throw new Error(String(response.status));
      return response.json() as Promise<{ entries: string[] }>;
    })
    .then((data) => indexEntries(data.entries.map(parseEntry)))
    .catch((error: unknown) => {
      table = undefined;
      throw error;
    });
  return table;
}

const PAGE = 60;

export function rareCharHelper(target: HTMLInputElement): { toggle: HTMLButtonElement; panel: HTMLElement } {
  let selection = { start: target.value.length, end: target.value.length };
  const remember = () => {
    selection = { start: target.selectionStart ?? target.value.length, end: target.selectionEnd ?? target.value.length };
  };
  for (const type of ['keyup', 'click', 'select', 'input', 'blur']) target.addEventListener(type, remember);

  const panelId = uid('rare');
  const queryInput = h('input', {
    id: `${panelId}-query`,
    type: 'search',
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'none',
    enterkeyhint: 'search',
    maxlength: '12',
    'aria-describedby': `${panelId}-help`,
  });
  const status = h('p', { class: 'rare-status', role: 'status', 'aria-live': 'polite' });
  const results = h('div', { class: 'rare-results', role: 'group', 'aria-label': '候选字' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, '显示更多');
  const announce = h('p', { class: 'visually-hidden', 'aria-live': 'assertive' });
  let shown: RareEntry[] = [];
  let count = 0;

  const insert = (char: string) => {
    const { start, end } = selection;
    target.value = target.value.slice(0, start) + char + target.value.slice(end);
    const caret = start + char.length;
    selection = { start: caret, end: caret };
    target.setSelectionRange(caret, caret);
    target.dispatchEvent(new Event('input', { bubbles: true }));
    announce.textContent = `已插入“${char}”，姓名现为：${target.value}`;
  };

  const showPage = () => {
    const page = shown.slice(count, count + PAGE);
    count += page.length;
    results.append(
      ...page.map((entry) =>
        h(
          'button',
          {
            type: 'button',
            class: 'rare-char',
            // Starts with the visible text (character, space, main reading), as WCAG 2.5.3 asks of a name.
            'aria-label': `${entry.char} ${entry.readings[0]!}${entry.readings.length > 1 ? `，又读 ${entry.readings.slice(1).join('、')}` : ''}，U+${entry.char.codePointAt(0)!.toString(16).toUpperCase()}`,
            onclick: () => insert(entry.char),
          },
          h('span', { class: 'rare-glyph', 'aria-hidden': 'true' }, entry.char),
          ' ',
          h('span', { class: 'rare-reading', 'aria-hidden': 'true' }, entry.readings[0]!),
        ),
      ),
    );
    more.hidden = count >= shown.length;
  };

  let searchRun = 0;
  const runSearch = async () => {
    const run = ++searchRun;
    const query = queryInput.value;
    results.replaceChildren();
    more.hidden = true;
    if (!query.trim()) {
      status.textContent = '';
      return;
    }
    status.textContent = '正在查找…';
    let index: Map<string, Indexed[]>;
    try {
      index = await loadTable();
    } catch {
      if (run === searchRun) status.textContent = '生僻字表加载失败，请稍后重试';
      return;
    }
    if (run !== searchRun) return;
    const found = search(index, query);
    if (!found) {
      status.textContent = '请输入拼音，例如 ji 或 ji2（数字表示声调）';
      return;
    }
    shown = found;
    count = 0;
    status.textContent = found.length ? `找到 ${found.length} 个读音为“${query.trim()}”的生僻字，点击即可插入姓名` : `没有读音为“${query.trim()}”的生僻字`;
    if (found.length) showPage();
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  queryInput.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void runSearch(), 150);
  });
  queryInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      clearTimeout(timer);
      void runSearch();
    }
  });
  more.addEventListener('click', showPage);

  const panel = h(
    'div',
    { id: panelId, class: 'rare-panel', hidden: true },
    h('label', { for: queryInput.id }, '按拼音查找生僻字'),
    h(
      'p',
      { id: `${panelId}-help`, class: 'field-hint' },
      '收录输入法难以打出的生僻字（约2万个有读音的汉字）。输入拼音（可加声调数字，如 ji2；ü 用 v 输入），点击候选字插入到姓名中光标处。',
    ),
    queryInput,
    status,
    results,
    more,
    announce,
  );
  const toggle = h(
    'button',
    { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': panelId },
    '生僻字输入',
  );
  toggle.addEventListener('click', () => {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) {
      queryInput.focus();
      void loadTable().catch(() => undefined);
    }
  });
  return { toggle, panel };
}
