import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionDecl } from '../shared/resources/functions';
import { LOCAL_REGION } from '../shared/target/local-target';

/** A Lambda context as close to the real one as handlers can observe (names, request id, remaining time). */
export function lambdaContext(fn: FunctionDecl, requestId: string = randomUUID()): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const functionName = `ecert-local-${fn.id}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export class FunctionTimeoutError extends Error {
  override name = 'FunctionTimeoutError';
}

/** Runs a handler under the function's timeout, as Lambda would cut it off. */
export async function invokeWithTimeout<T>(fn: FunctionDecl, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FunctionTimeoutError(`${fn.id} timed out after ${fn.timeoutSeconds} s`)),
      fn.timeoutSeconds * 1000,
    );
  });
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
