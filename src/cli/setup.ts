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

export function setupCommand(): Command {
  const setup = new Command("setup").description("Print client configuration");
  setup.command("claude-code")
    .description("Print the ~/.claude/settings.json block that points Claude Code at gw")
    .requiredOption("--key <key>", "the developer's gw key")
    .option("--url <url>", "gw's address as developers reach it (default http://localhost:8787)")
    .option("--project <project>", "send x-gw-project with every request")
    .option("--env <env>", "send x-gw-env with every request")
    .action(
      (
        options: { key: string; url?: string; project?: string; env?: string },
        command: Command,
      ) => {
        // The root program also has --url (for the dashboard) and commander gives it precedence.
        const url = options.url ?? (command.optsWithGlobals() as { url?: string }).url ??
          "http://localhost:8787";
        const headers: Record<string, string> = {};
        if (options.project) headers["x-gw-project"] = options.project;
        if (options.env) headers["x-gw-env"] = options.env;
        console.log(JSON.stringify(claudeCodeSettings(url, options.key, headers), null, 2));
      },
    );
  return setup;
}
