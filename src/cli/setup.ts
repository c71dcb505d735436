/** `gw setup claude-code`: the settings.json block a developer pastes. */
import { Command } from "commander";

export function claudeCodeSettings(url: string, key: string, headers: Record<string, string>) {
  const env: Record<string, string> = {
    ANTHROPIC_BASE_URL: url.replace(/\/+$/, ""),
    ANTHROPIC_AUTH_TOKEN: key,
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  if (lines.length) env.ANTHROPIC_CUSTOM_HEADERS = lines.join("\n");
  return { env };
}

/**
 * Settings for signing in with `/login` instead of a pasted key: Claude Code then runs gw's
 * device flow and reports gw's budgets in its own spend bar and notices.
 */
export function claudeCodeSignInSettings(url: string, headers: Record<string, string>) {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return {
    forceLoginMethod: "gateway",
    forceLoginGatewayUrl: url.replace(/\/+$/, ""),
    ...(lines.length && { env: { ANTHROPIC_CUSTOM_HEADERS: lines.join("\n") } }),
  };
}

export function setupCommand(): Command {
  const setup = new Command("setup").description("Print client configuration");
  setup.command("claude-code")
    .description("Print the ~/.claude/settings.json block that points Claude Code at gw")
    .option("--key <key>", "the developer's gw key")
    .option("--sign-in", "sign in with /login (device flow) instead of a key in the settings")
    .option("--url <url>", "gw's address as developers reach it (default http://localhost:8787)")
    .option("--project <project>", "send x-gw-project with every request")
    .option("--env <env>", "send x-gw-env with every request")
    .action(
      (
        options: { key?: string; signIn?: boolean; url?: string; project?: string; env?: string },
        command: Command,
      ) => {
        // The root program also has --url (for the dashboard) and commander gives it precedence.
        const url = options.url ?? (command.optsWithGlobals() as { url?: string }).url ??
          "http://localhost:8787";
        const headers: Record<string, string> = {};
        if (options.project) headers["x-gw-project"] = options.project;
        if (options.env) headers["x-gw-env"] = options.env;
        if (!options.key && !options.signIn) command.error("error: give --key or --sign-in");
        const settings = options.key
          ? claudeCodeSettings(url, options.key, headers)
          : claudeCodeSignInSettings(url, headers);
        console.log(JSON.stringify(settings, null, 2));
      },
    );
  return setup;
}
