/** Mirrors the server's policy (shared/auth/password.ts) so people learn it before submitting; the server decides. */
export const PASSWORD_RULE = '至少8位，须同时包含字母和数字';

export function passwordProblem(password: string): string | undefined {
  if ([...password].length < 8) return '密码至少8位';
  if (!/\p{L}/u.test(password) || !/\p{Nd}/u.test(password)) return '密码须同时包含字母和数字';
  return undefined;
}
