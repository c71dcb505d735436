import { SecretBox } from "../../src/crypto/secret_box.ts";
import { runGw } from "./claude_code.ts";

/**
 * `gw serve` as ops run it: a separate process from source, on a free port, optionally under a
 * shell `ulimit`. Its stderr is collected for assertions.
 */

export interface GwProcess {
  child: Deno.ChildProcess;
  url: string;
  port: number;
  /** SIGTERM (or `signal`), then the exit status and everything it wrote to stderr. */
  stop(signal?: Deno.Signal): Promise<{ status: Deno.CommandStatus; stderr: string }>;
}

export async function serveProcess(
  env: Record<string, string>,
  options: { args?: string[]; serveArgs?: string[]; ulimitFiles?: number } = {},
): Promise<GwProcess> {
  const argv = [
    Deno.execPath(),
    "run",
    "-A",
    "--config",
    new URL("../../deno.json", import.meta.url).pathname,
    new URL("../../src/main.ts", import.meta.url).pathname,
    ...(options.args ?? []),
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    ...(options.serveArgs ?? []),
  ];
  const quoted = argv.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(" ");
  const limit = options.ulimitFiles ? `ulimit -n ${options.ulimitFiles} && ` : "";
  const child = new Deno.Command("bash", {
    args: ["-c", `${limit}exec ${quoted}`],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const stderrDone = (async () => {
    for await (const chunk of child.stderr) stderr += new TextDecoder().decode(chunk);
  })();
  const reader = child.stdout.getReader();
  let stdout = "";
  let port = 0;
  while (!port) {
    const { value, done } = await reader.read();
    if (done) {
      await stderrDone;
      throw new Error(`gw exited before listening: ${stdout}${stderr}`);
    }
    stdout += new TextDecoder().decode(value);
    port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(stdout)?.[1] ?? 0);
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read()).done);
  })();
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    port,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
      const status = await child.status;
      await stderrDone;
      return { status, stderr };
    },
  };
}

/**
 * A database folder for `gw serve` processes, set up the way ops do it: the environment they
 * share, and the fake upstream added as provider `main` through the CLI.
 */
export async function processDatabase(
  upstream: { url: string; apiKey: string },
  adminToken: string,
): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await Deno.makeTempDir({ prefix: "gw-procs-" });
  const env = {
    GW_DB_URL: `file:${dir}/gw.db`,
    GW_MASTER_KEY: SecretBox.generateMasterKey(),
    GW_ADMIN_TOKEN: adminToken,
    PROVIDER_KEY: upstream.apiKey,
  };
  const provider = ["--name", "main", "--base-url", upstream.url, "--api-key-env", "PROVIDER_KEY"];
  const added = await runGw(["providers", "add", "anthropic", ...provider], env);
  if (added.code !== 0) throw new Error(`providers add failed: ${added.stderr}`);
  return { dir, env };
}
