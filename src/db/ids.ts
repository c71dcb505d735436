/** Record ids such as `key_3f9a…`: sortable by creation time, unique without coordination. */
export function newId(prefix: string, now = Date.now()): string {
  const random = crypto.getRandomValues(new Uint8Array(8));
  let hex = "";
  for (const b of random) hex += b.toString(16).padStart(2, "0");
  return `${prefix}_${now.toString(36)}${hex}`;
}
