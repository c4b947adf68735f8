/**
 * Font files of the certificate, repo-relative. In a Lambda bundle they sit at the same relative paths under
 * LAMBDA_TASK_ROOT (the function declaration lists them as assets; NodejsFunction copies nothing by itself).
 */
export const FONT_FILES = {
  serif: 'node_modules/@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf',
  serifBold: 'node_modules/@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf',
  extB: 'assets/fonts/HanaMinB.ttf',
  /** The verification code: a monospace face, so 0/O and 1/I/L never look alike and groups line up. */
  mono: 'node_modules/@expo-google-fonts/jetbrains-mono/500Medium/JetBrainsMono_500Medium.ttf',
} as const;

export type FaceName = keyof typeof FONT_FILES;

export const FONT_ASSETS: readonly string[] = Object.values(FONT_FILES);
