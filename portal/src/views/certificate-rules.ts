/** R2: 1–90 whole days, 90 suggested (shared/domain/annotation.ts, which the browser cannot import; a unit test keeps them equal). */
export const MIN_VALID_DAYS = 1;
export const MAX_VALID_DAYS = 90;
export const DEFAULT_VALID_DAYS = 90;
