/**
 * The ALTCHA widget (npm `altcha`, MIT), in its CSP-strict build: `altcha/external` bundles neither styles nor
 * workers, so its stylesheet and its PBKDF2 worker are separate same-origin files of the portal build (no inline
 * style, no blob: worker — the Content-Security-Policy allows neither). This module is its own chunk, loaded only when
 * the API asks for proof of work.
 */
import 'altcha/external';
import 'altcha/i18n/zh-cn';
import type { AltchaChallenge } from './challenge';

let stylesheet: HTMLLinkElement | undefined;
function loadStylesheet(): void {
  if (stylesheet) return;
  stylesheet = document.createElement('link');
  stylesheet.rel = 'stylesheet';
  stylesheet.href = __ALTCHA_CSS_URL__;
  document.head.append(stylesheet);
}

globalThis.$altcha.algorithms.set('PBKDF2/SHA-256', () => new Worker(__ALTCHA_WORKER_URL__));

export async function solveWithWidget(slot: HTMLElement, challenge: AltchaChallenge): Promise<string> {
  loadStylesheet();
  const widget = document.createElement('altcha-widget');
  slot.replaceChildren(widget);
  // A Svelte custom element gets its methods once it has mounted, a task after it is connected.
  await customElements.whenDefined('altcha-widget');
  for (let i = 0; i < 100 && typeof widget.configure !== 'function'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await widget.configure({
    challenge: challenge as unknown as Parameters<typeof widget.configure>[0]['challenge'],
    language: 'zh-cn',
    auto: 'off',
    hideFooter: true,
    // The widget's interaction collector is not needed: the server verifies the work only.
    humanInteractionSignature: false,
  });
  const result = await widget.verify();
  if (!result?.payload) throw new Error('challenge not solved');
  return result.payload;
}
