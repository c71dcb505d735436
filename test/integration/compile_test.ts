/**
 * Builds the single binary and runs it, when a Deno runtime base is available offline
 * (`DENORT_BIN`, or one cached under `$DENO_DIR/dl`). Says plainly when it skips.
 */
import assert from "node:assert/strict";
import { it } from "node:test";

const root = new URL("../../", import.meta.url).pathname;

async function denortAvailable(): Promise<string | undefined> {
  const fromEnv = Deno.env.get("DENORT_BIN");
  if (fromEnv) {
    return (await Deno.stat(fromEnv).then(() => true, () => false)) ? fromEnv : undefined;
  }
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const denoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
  const cached = `${denoDir}/dl/release/v${Deno.version.deno}/denort-x86_64-unknown-linux-gnu.zip`;
  return (await Deno.stat(cached).then(() => true, () => false)) ? cached : undefined;
}

it("compiles dist/gw and runs it", async (t) => {
  const base = await denortAvailable();
  if (!base) {
    console.log(
      "SKIPPED: no denort runtime base available offline (set DENORT_BIN to build and test the binary)",
    );
    t.skip("no denort runtime base available offline");
    return;
  }
  const out = await Deno.makeTempDir();
  // The same command as `deno task compile`, with the output moved to a temporary folder.
  const task = JSON.parse(await Deno.readTextFile(`${root}deno.json`)).tasks.compile as string;
  const compile = await new Deno.Command(Deno.execPath(), {
    args: task.replace("--output dist/gw", `--output ${out}/gw`).split(" ").slice(1),
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(compile.success, new TextDecoder().decode(compile.stderr));
  const version = await new Deno.Command(`${out}/gw`, { args: ["--version"], stdout: "piped" })
    .output();
  assert.match(new TextDecoder().decode(version.stdout), /^\d+\.\d+\.\d+/);
  const server = new Deno.Command(`${out}/gw`, {
    args: ["serve", "--host", "127.0.0.1", "--port", "0", "--db", `file:${out}/gw.db`],
    cwd: out,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = server.stdout.getReader();
  let text = "";
  let port = 0;
  while (!port) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(text)?.[1] ?? 0);
  }
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  server.kill("SIGTERM");
  await server.status;
  reader.releaseLock();
  await server.stdout.cancel();
  await Deno.remove(out, { recursive: true });
});
