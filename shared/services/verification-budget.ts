import { isCertId } from '../domain/certificate';
import { VERIFY_MISS_BUDGET } from '../domain/verification-budget';
import { HttpProblem, problem } from '../http/problem';
import { countInWindow, refundInWindow } from '../repository/windowed-counters';

/**
 * Runs one 查验 attempt against its certificate's miss budget (shared/domain/verification-budget.ts). The attempt is
 * counted before it runs — so concurrent guesses cannot overrun the budget — and refunded when it matched or failed
 * for another reason than a miss.
 */
export async function withinVerificationBudget<T>(rawCertId: string, now: Date, attempt: () => Promise<T>): Promise<T> {
  const certId = rawCertId.trim();
  // A certId that cannot exist is a 404 before any lookup: nothing to protect, nothing to count.
  if (!isCertId(certId)) return attempt();
  const counter = { name: 'verify-miss', subject: certId };
  const reserved = await countInWindow(counter, VERIFY_MISS_BUDGET, now);
  if (!reserved.allowed) {
    throw problem(
      'TOO_MANY_ATTEMPTS',
      '该证书的查验未通过次数过多，请一小时后再试',
      {},
      { 'retry-after': String(reserved.retryAfterSeconds) },
    );
  }
  try {
    const result = await attempt();
    await refundInWindow(counter, reserved.state);
    return result;
  } catch (error) {
    if (!(error instanceof HttpProblem && error.code === 'NOT_FOUND')) await refundInWindow(counter, reserved.state);
    throw error;
  }
}
