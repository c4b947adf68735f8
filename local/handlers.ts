import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import type { FunctionDecl } from '../shared/resources/functions';
import { REPO_ROOT } from '../shared/repo-root';

/** A Lambda handler as the runtime calls it: the event and context in, a promise of the result out. */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export type HandlerLoader = (fn: FunctionDecl) => Promise<LambdaHandler>;

/**
 * Imports the very module the stack bundles (`entry`), once, like a warm container. The first call pays the
 * cold start; later invocations reuse the module and its clients.
 */
export function moduleHandlerLoader(root: string = REPO_ROOT): HandlerLoader {
  const cache = new Map<string, Promise<LambdaHandler>>();
  return (fn) => {
    let loaded = cache.get(fn.entry);
    if (!loaded) {
      loaded = import(pathToFileURL(resolve(root, fn.entry)).href).then((mod: { handler?: unknown }) => {
        if (typeof mod.handler !== 'function') throw new Error(`${fn.entry} does not export a handler function`);
        return mod.handler as LambdaHandler;
      });
      cache.set(fn.entry, loaded);
      // A failed import (a file saved half-way during development) must not answer 500 until restart.
      loaded.catch(() => cache.delete(fn.entry));
    }
    return loaded;
  };
}
