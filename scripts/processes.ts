/** Process helpers shared by the benchmark and load scripts (Linux: reads /proc). */
export const root = new URL("..", import.meta.url).pathname;
/** Whether `taskset` can pin processes to a CPU here. */
export function tasksetAvailable(): Promise<boolean> {
  return new Deno.Command("sh", { args: ["-c", "command -v taskset"], stdout: "null" }).output()
    .then((o) => o.success);
}

const hasTaskset = await tasksetAvailable();

/** Starts a Deno script, pinned to `cpu` when possible; stdout is piped for `waitForPort`. */
export function spawn(cpu: number, args: string[], env: Record<string, string> = {}) {
  const cmd = hasTaskset ? "taskset" : Deno.execPath();
  const full = hasTaskset ? ["-c", String(cpu), Deno.execPath(), ...args] : args;
  return new Deno.Command(cmd, { args: full, env, stdout: "piped", stderr: "inherit", cwd: root })
    .spawn();
}

/** Reads a child's stdout until it prints `listening … PORT`, then keeps draining it. */
export async function waitForPort(child: Deno.ChildProcess): Promise<number> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`process exited before listening: ${seen}`);
    seen += value;
    const match = /listening (?:on )?(?:http:\/\/[^:]+:)?(\d+)/.exec(seen);
    if (match) {
      // Keep draining so the child never blocks on a full pipe.
      (async () => {
        while (!(await reader.read()).done);
      })();
      return Number(match[1]);
    }
  }
}

/** Runs the gw CLI from source and returns its stdout. */
export async function gwCli(args: string[], env: Record<string, string>): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}src/main.ts`, ...args],
    env,
    cwd: root,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`gw ${args.join(" ")} failed`);
  return new TextDecoder().decode(out.stdout);
}

/** User + system clock ticks (1/100 s) a process has used. */
export function cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Peak resident memory of a process, in MB. */
export function peakRssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** A fresh gw database with the benchmark upstream as its provider, a key and a guarded key. */
export async function prepareGw(upstreamUrl: string) {
  const dir = await Deno.makeTempDir({ prefix: "gw-bench-" });
  const env = {
    GW_DB_URL: `file:${dir}/gw.db`,
    GW_MASTER_KEY: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))),
    PROVIDER_KEY: "sk-bench",
    NO_COLOR: "1",
  };
  const provider = ["--name", "bench", "--base-url", upstreamUrl, "--api-key-env", "PROVIDER_KEY"];
  await gwCli(["providers", "add", "anthropic", ...provider], env);
  await gwCli(["teams", "create", "bench"], env);
  const create = (user: string) =>
    gwCli(["keys", "create", "--team", "bench", "--user", user, "--json"], env).then(JSON.parse);
  const load: { id: string; key: string } = await create("load");
  const key = load.key;
  const guarded: { id: string; key: string } = await create("guarded");
  await gwCli(["guardrails", "set", "default", "--defaults"], env);
  await gwCli(["guardrails", "assign", "default", "--key", guarded.id], env);
  return { dir, env, key, keyId: load.id, guarded };
}
