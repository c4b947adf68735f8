/**
 * Reading attributes back from a stored item. A required attribute that is missing or of the wrong type is a broken
 * invariant of our own writes, so it throws (naming the item's keys, never its values); optional ones come back as
 * undefined.
 */
export type Item = Record<string, unknown>;

export function requiredString(item: Item, name: string): string {
  const value = item[name];
  if (typeof value !== 'string') throw new Error(`item ${String(item.pk)} ${String(item.sk)} lacks ${name}`);
  return value;
}

export const optionalString = (item: Item, name: string): string | undefined =>
  typeof item[name] === 'string' ? (item[name] as string) : undefined;

export const optionalNumber = (item: Item, name: string): number | undefined =>
  item[name] === undefined || item[name] === null ? undefined : Number(item[name]);
