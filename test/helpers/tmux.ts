/** Runs a tmux command (terminal programs under test run in tmux panes) and returns its stdout. */
export async function tmux(...args: string[]): Promise<string> {
  const output = await new Deno.Command("tmux", { args, stdout: "piped", stderr: "piped" })
    .output();
  return new TextDecoder().decode(output.stdout);
}

/** Starts `command` in a detached tmux session of `columns` × `rows`, in `cwd` if given. */
export function newTmuxSession(
  name: string,
  size: { columns: number; rows: number },
  command: string,
  cwd?: string,
): Promise<string> {
  const where = cwd ? ["-c", cwd] : [];
  return tmux(
    ...["new-session", "-d", "-s", name, "-x", String(size.columns), "-y", String(size.rows)],
    ...where,
    command,
  );
}
