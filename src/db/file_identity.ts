/**
 * Which file an open database really is. An embedded database keeps writing to the file it
 * opened even after that file is deleted or renamed over, so gw remembers the file's device and
 * inode at open and compares them later: a path that no longer leads there means every write
 * since then is going where no other process (the CLI, a restart) will ever read it.
 */

/** A file's identity on one machine: stable across renames, new for a new file. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** What became of the file a database was opened from. */
export type FileChange = "removed" | "replaced";

/**
 * The identity of the file at `path`, or undefined when there is none.
 *
 * @example
 * const opened = await fileIdentity("/var/lib/gw/gw.db");
 */
export async function fileIdentity(path: string): Promise<FileIdentity | undefined> {
  try {
    const info = await Deno.stat(path);
    return { dev: info.dev, ino: info.ino ?? 0 };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Compares what is at `path` now with the file opened earlier.
 *
 * @example
 * if (await fileChange(db.file.path, db.file.identity) === "removed") alert();
 */
export async function fileChange(
  path: string,
  opened: FileIdentity,
): Promise<FileChange | undefined> {
  const now = await fileIdentity(path);
  if (!now) return "removed";
  return now.dev === opened.dev && now.ino === opened.ino ? undefined : "replaced";
}
