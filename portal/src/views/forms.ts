import { h, type Child } from '../dom';

/**
 * A form as the portal's forms are: its fields, a slot where proof of work is shown when the API asks for it, a status
 * line for what the submission came to, and one submit button.
 */
export function formParts(options: { labelledBy: string; submitLabel: string; fields: Child[] }) {
  const challengeSlot = h('div', { class: 'challenge-slot' });
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, options.submitLabel);
  const form = h(
    'form',
    { class: 'form', novalidate: true, 'aria-labelledby': options.labelledBy },
    ...options.fields,
    challengeSlot,
    status,
    h('div', { class: 'actions' }, submit),
  );
  return { form, status, submit, challengeSlot };
}
