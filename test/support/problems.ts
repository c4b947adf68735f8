import { HttpProblem } from '../../shared/http/problem';

/** The problem a use case refused with; a use case that succeeds, or fails any other way, fails the test. */
export async function failure(run: Promise<unknown>): Promise<HttpProblem> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpProblem)) throw new Error(`expected a problem, got ${String(error)}`);
  return error;
}
