/** Runs the real, pinned Claude Code CLI offline against a gw, as a developer would. */
import { CLAUDE_BIN } from "../../scripts/install_test_tools.ts";

export interface ClaudeRun {
  code: number;
  stdout: string;
  stderr: string;
  /** `--output-format json` result, when the output parsed. */
  json?: { result?: string; total_cost_usd?: number; is_error?: boolean };
}

export async function runClaude(
  prompt: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<ClaudeRun> {
  const home = await Deno.makeTempDir({ prefix: "gw-cc-home-" });
  try {
    const output = await new Deno.Command(CLAUDE_BIN, {
      args: ["-p", prompt, "--output-format", "json", ...args],
      clearEnv: true,
      env: {
        HOME: home,
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        DISABLE_TELEMETRY: "1",
        DISABLE_AUTOUPDATER: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        ...env,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    let json: ClaudeRun["json"];
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
    return { code: output.code, stdout, stderr: new TextDecoder().decode(output.stderr), json };
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

/** Runs the gw CLI from source as a subprocess, as `deno task gw` would. */
export async function runGw(args: string[], env: Record<string, string> = {}, stdin?: string) {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      new URL("../../deno.json", import.meta.url).pathname,
      new URL("../../src/main.ts", import.meta.url).pathname,
      ...args,
    ],
    env,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const output = await child.output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}
