/**
 * Usage scenarios (使用场景, R2) are configuration, not code branches: adding one is adding a line here (and its label
 * is what the PDF and the portal print).
 */
export interface Scenario {
  code: string;
  label: string;
  /** Printed in the watermark: what the copy may be used for. */
  watermark: string;
  /** The label in English, for verifiers abroad (the PDF's English lines, the English verification page). */
  labelEn: string;
}

export const SCENARIOS: readonly Scenario[] = [
  { code: 'SELF_USE', label: '本人调用', watermark: '仅限本人调用', labelEn: 'Use by the holder in person' },
];

export const DEFAULT_SCENARIO = 'SELF_USE';

const byCode = new Map(SCENARIOS.map((s) => [s.code, s]));
export const findScenario = (code: string): Scenario | undefined => byCode.get(code);
export const SCENARIO_CODES = SCENARIOS.map((s) => s.code) as [string, ...string[]];
