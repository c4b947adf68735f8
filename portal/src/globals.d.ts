/** Set by the build (esbuild `define`): the hashed URLs of the rare-character table and the Extension B font CSS. */
declare const __RARE_CHARS_URL__: string;
declare const __EXTB_CSS_URL__: string;
