import { fileURLToPath } from 'node:url';

/**
 * The repository root, for code that runs from a checkout (the CDK app, the local runtime, the CLI, the portal build,
 * tests): function entries and bundle assets are declared relative to it. Bundled Lambda code never uses it; it finds
 * its assets under LAMBDA_TASK_ROOT.
 */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
