/** Set by the build (esbuild `define`): the hashed URLs of the rare-character table and its font CSS. */
declare const __RARE_CHARS_URL__: string;
declare const __RARE_FONT_CSS_URL__: string;
/** The ALTCHA widget's stylesheet and PBKDF2 worker (same-origin files: the CSP allows no inline style, no blob: worker). */
declare const __ALTCHA_CSS_URL__: string;
declare const __ALTCHA_WORKER_URL__: string;
