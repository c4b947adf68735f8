import type { LocalTarget } from './target';
export const DEMO_HINTS = (_api: string) => '';
export async function seedDemoData(_: { target: LocalTarget }): Promise<void> {}
