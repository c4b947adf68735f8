import { buildPortal } from '../../portal/build/build';

/**
 * Vitest global setup: the portal's build output must exist before the browser tests serve it and before the infra
 * tests synthesize the stack (its BucketDeployment stages portal/dist). Rebuilds only what changed; the first build on
 * a machine cuts the Extension B font slices into the user's cache (about a minute on two cores, once for every clone),
 * later ones take a fraction of a second.
 */
export default async function setup(): Promise<void> {
  await buildPortal({ log: (line) => console.log(line) });
}
