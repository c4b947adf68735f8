/** Times are ISO 8601 UTC in the API; people read them in Beijing time. */
const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

export function formatDateTime(iso: string | undefined | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = Object.fromEntries(dateTime.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}年${parts.month}月${parts.day}日 ${parts.hour}:${parts.minute}`;
}

/** A calendar date `2023-11-05` as 2023年11月05日. */
export function formatDate(day: string | undefined | null): string {
  if (!day) return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(day);
  return match ? `${match[1]}年${match[2]}月${match[3]}日` : day;
}

/** How many characters a person sees: code points, not UTF-16 units (an Extension B character is one). */
export const codePointLength = (text: string) => [...text].length;
