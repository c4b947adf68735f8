import { ApiError } from './api';
import { h, message } from './dom';

/**
 * Proof of work when the API asks for it (shared/services/password-guard.ts): a password check from a source that
 * failed while the identity is under attack answers 429 TOO_MANY_ATTEMPTS with `challengeRequired` and an ALTCHA
 * `challenge`. The browser solves it (the `altcha` widget, loaded only then) and the request is sent again with the
 * solution as `altcha`. No third-party service, nothing about the person leaves the browser.
 */
export interface AltchaChallenge {
  parameters: { algorithm: string; nonce: string; salt: string; cost: number; keyLength: number; [more: string]: unknown };
  signature?: string;
  [more: string]: unknown;
}

/** The challenge of a 429 that asks for one (PROBLEM_EXTENSIONS in shared/resources/schemas.ts). */
export function challengeOf(error: unknown): AltchaChallenge | undefined {
  if (!(error instanceof ApiError) || error.status !== 429 || error.problem.challengeRequired !== true) return undefined;
  const challenge = error.problem.challenge as AltchaChallenge | undefined;
  return challenge && typeof challenge === 'object' && challenge.parameters ? challenge : undefined;
}

/** Seconds to wait, from a 429 that asks the source to slow down. */
export function retryAfterOf(error: unknown): number | undefined {
  if (!(error instanceof ApiError) || error.status !== 429) return undefined;
  const seconds = error.problem.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : undefined;
}

/** Shows the widget in `slot` and solves the challenge at once (no click needed); answers the base64 payload. */
async function solve(slot: HTMLElement, challenge: AltchaChallenge): Promise<string> {
  const { solveWithWidget } = await import('./altcha-widget');
  const widgetSlot = h('div', { class: 'challenge-widget' });
  slot.replaceChildren(
    message(
      'info',
      h('strong', null, '需要人机验证'),
      h('p', null, '该账号近期有较多错误登录尝试。为保护您的账号，浏览器正在自动完成一次计算验证（通常只需几秒，不收集任何个人信息），完成后将自动继续。'),
      widgetSlot,
    ),
  );
  return solveWithWidget(widgetSlot, challenge);
}

/**
 * Sends `send()`; when the answer asks for proof of work, solves it in `slot` and sends again with the solution
 * (twice at most: a solution is accepted once, and a second challenge means the first one expired on the way).
 */
export async function withChallenge<T>(slot: HTMLElement, send: (altcha?: string) => Promise<T>): Promise<T> {
  let altcha: string | undefined;
  for (let round = 0; ; round++) {
    try {
      const result = await send(altcha);
      slot.replaceChildren();
      return result;
    } catch (error) {
      const challenge = challengeOf(error);
      if (!challenge || round >= 2) {
        slot.replaceChildren();
        throw error;
      }
      try {
        altcha = await solve(slot, challenge);
      } catch {
        slot.replaceChildren();
        throw new ApiError({ status: 429, code: 'TOO_MANY_ATTEMPTS', detail: '人机验证未能完成，请刷新页面后重试' });
      }
    }
  }
}
