/**
 * Request headers as plain name/value pairs (names lower-case). Iterating or copying a
 * `Headers` object costs ~15 µs each time (it sorts and validates); gw copies client headers
 * once into a list and lets `fetch` validate them once.
 */
export type HeaderList = readonly (readonly [string, string])[];

/** The first value of a header, or null. */
export function headerValue(list: HeaderList, name: string): string | null {
  for (const [key, value] of list) if (key === name) return value;
  return null;
}

/** The list without the named headers, with these added. */
export function withHeaders(
  list: HeaderList,
  replace: Record<string, string>,
): [string, string][] {
  const out: [string, string][] = [];
  for (const pair of list) if (!(pair[0] in replace)) out.push([pair[0], pair[1]]);
  for (const [name, value] of Object.entries(replace)) out.push([name, value]);
  return out;
}
