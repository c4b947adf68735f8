import { field, h } from '../dom';
import { codePointLength } from '../format';
import { rareCharHelper } from '../rare-chars';

/**
 * A holder's name as registration and 更正姓名 ask for it: the input, a count in code points (an Extension B character
 * is one), and the rare-character helper whose panel the form places after the field.
 */
export function holderNameField(options: { id: string; label: string; hint: string; value?: string }) {
  const input = h('input', { id: options.id, name: 'name', type: 'text', autocomplete: 'name', spellcheck: 'false', maxlength: '200', value: options.value });
  const count = h('span', { class: 'char-count', 'aria-live': 'polite' });
  const updateCount = () => {
    const n = codePointLength(input.value.trim());
    count.textContent = n ? `已输入 ${n} 个字` : '';
  };
  input.addEventListener('input', updateCount);
  updateCount();
  const helper = rareCharHelper(input);
  const { wrapper, setError } = field({
    label: options.label,
    control: input,
    hint: options.hint,
    extra: h('div', { class: 'field-tools' }, helper.toggle, count),
  });
  return { input, wrapper, setError, helperPanel: helper.panel };
}
