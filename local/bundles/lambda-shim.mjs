// One local "Lambda container" for a function bundle, run by the Node binary of the Lambda runtime's major
// (local/bundles/container-pool.ts spawns it). Like Lambda's Node.js runtime it loads `$LAMBDA_TASK_ROOT/<module>`
// named by `_HANDLER` (index.handler → index.mjs / index.js / index.cjs, export `handler`) once, in the init phase,
// then runs one invocation at a time; events and results travel over the IPC channel as JSON, as through the Runtime
// API. Plain JavaScript without dependencies: it runs next to the bundle, not from the repository's sources.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const send = (message) => process.send?.(message);
const describe = (error) => ({
  name: error?.name ?? 'Error',
  message: error?.message ?? String(error),
  stack: typeof error?.stack === 'string' ? error.stack : undefined,
});

const initStarted = performance.now();
let handler;
try {
  const root = process.env.LAMBDA_TASK_ROOT;
  const spec = process.env._HANDLER ?? '';
  const dot = spec.lastIndexOf('.');
  if (!root || dot < 1) throw new Error(`LAMBDA_TASK_ROOT (${root}) and _HANDLER (${spec}) must name the handler`);
  const moduleName = spec.slice(0, dot);
  const exportName = spec.slice(dot + 1);
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(root, moduleName + ext)).find((f) => existsSync(f));
  if (!file) throw new Error(`Runtime.ImportModuleError: no ${moduleName}.mjs/.js/.cjs in ${root}`);
  const mod = await import(pathToFileURL(file).href);
  handler = mod[exportName] ?? mod.default?.[exportName];
  if (typeof handler !== 'function') throw new Error(`Runtime.HandlerNotFound: ${spec} is not a function`);
} catch (error) {
  send({ type: 'init-error', error: describe(error) });
  process.exit(1);
}
send({ type: 'ready', nodeVersion: process.version, initMs: performance.now() - initStarted, pid: process.pid });

process.on('message', async (message) => {
  if (message?.type !== 'invoke') return;
  const { id, event, context: snapshot } = message;
  const context = {
    ...snapshot,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, snapshot.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  try {
    const result = await handler(event, context);
    send({ type: 'result', id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    send({ type: 'result', id, ok: false, error: describe(error) });
  }
});
// The runtime went away (stopped, or crashed): a container without its runtime has nothing left to do.
process.on('disconnect', () => process.exit(0));
