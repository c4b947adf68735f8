import { fileURLToPath } from 'node:url';

/** The repository root: function entries and bundle assets are declared relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
