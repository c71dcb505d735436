/**
 * Parts of a request's absolute URL, read with string search: the hot path needs only these, and
 * parsing the whole URL each time is measurable there.
 */

/** The path, as `URL.pathname` gives it for the URLs a server receives. */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.indexOf("?", start);
  return url.slice(start, query === -1 ? undefined : query);
}

/** The query string with its `?`, as `URL.search` gives it. */
export function searchOf(url: string): string {
  const query = url.indexOf("?");
  if (query === -1) return "";
  const fragment = url.indexOf("#", query);
  const search = url.slice(query, fragment === -1 ? undefined : fragment);
  return search === "?" ? "" : search;
}

/**
 * A percent-encoded path segment, decoded; undefined when its encoding is broken (`%E0%A4%A`),
 * which `decodeURIComponent` would throw on.
 *
 * @example
 * decodeSegment("claude%40v1"); // "claude@v1"
 */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
