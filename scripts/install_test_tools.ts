/**
 * Installs what the test suite runs besides Deno: the pinned Claude Code CLI, into `.tools/`.
 * Idempotent and quick when already present.
 */
export const CLAUDE_CODE_VERSION = "2.1.328";
export const TOOLS_DIR = new URL("../.tools/", import.meta.url).pathname;
export const CLAUDE_BIN = `${TOOLS_DIR}node_modules/.bin/claude`;

async function installedVersion(): Promise<string | undefined> {
  try {
    const output = await new Deno.Command(CLAUDE_BIN, {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(output.stdout).split(" ")[0].trim();
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  if (await installedVersion() === CLAUDE_CODE_VERSION) Deno.exit(0);
  console.log(`Installing @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION} into .tools/ …`);
  await Deno.mkdir(TOOLS_DIR, { recursive: true });
  const npm = await new Deno.Command("npm", {
    args: [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefix",
      TOOLS_DIR,
      `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  const version = await installedVersion();
  if (!npm.success || version !== CLAUDE_CODE_VERSION) {
    console.error(
      `Could not install Claude Code ${CLAUDE_CODE_VERSION} (found ${version ?? "nothing"})`,
    );
    Deno.exit(1);
  }
}
