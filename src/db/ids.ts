/** Record ids such as `key_3f9a…`: sortable by creation time, unique without coordination. */

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
/** Random bytes drawn 4 KiB at a time: one `getRandomValues` call per 512 ids, not per id. */
const pool = new Uint8Array(4096);
let offset = pool.length;

export function newId(prefix: string, now = Date.now()): string {
  if (offset + 8 > pool.length) {
    crypto.getRandomValues(pool);
    offset = 0;
  }
  let hex = "";
  for (let i = offset; i < offset + 8; i++) hex += HEX[pool[i]];
  offset += 8;
  return `${prefix}_${now.toString(36)}${hex}`;
}
