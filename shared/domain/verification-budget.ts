import type { WindowedLimit } from './windowed-limit';

/**
 * 查验 by name and ID number (POST /v1/verify) must not work as an oracle for ID numbers (issue 11 §8): misses on one
 * certificate are counted across all sources, and after 10 within an hour that certificate answers 429
 * TOO_MANY_ATTEMPTS — the same body for every caller, whether the certificate exists or not — until the hour has
 * passed. A verification that matches does not count. With the first and last character shown publicly, a known
 * name and certId leave ~10^5–10^6 ID candidates (birth date × sequence × region): 10 guesses an hour is no search.
 */
export const VERIFY_MISS_BUDGET: WindowedLimit = { limit: 10, windowSeconds: 3600 };
