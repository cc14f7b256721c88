/** The integer after the first `field` (e.g. `"E":`) in a frame, by string scan. */
export function integerAfter(text: string, field: string): number | undefined {
  const at = text.indexOf(field);
  if (at < 0) return undefined;
  let end = at + field.length;
  while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
  return end > at + field.length ? Number(text.slice(at + field.length, end)) : undefined;
}
