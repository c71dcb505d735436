/** `gw guardrails`: policies of detectors and actions, where they apply, and a dry run. */
import { Command } from "commander";
import { printJson, printTable, UsageError } from "./output.ts";

const context = () => import("./context.ts");
const repo = () => import("../db/repos/guardrails_repo.ts");

function limit(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isInteger(value) && value > 0)) {
    throw new UsageError(`${flag} must be a positive whole number`);
  }
  return value;
}

export function guardrailsCommand(): Command {
  const guardrails = new Command("guardrails").description(
    "Secret, PII, regex and injection rules on prompts and responses",
  );

  guardrails.command("rules")
    .description("List the built-in detectors")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const { DETECTORS } = await import("../guardrails/detectors.ts");
      const rows = DETECTORS.map((d) => ({
        id: d.id,
        description: d.description,
        optIn: !!d.optIn,
      }));
      if (options.json) return printJson(rows);
      printTable(
        ["ID", "DESCRIPTION", "OPT-IN"],
        rows.map((r) => [r.id, r.description, r.optIn ? "yes" : ""]),
      );
      console.log("\nCustom rules: custom:NAME=/REGEX/flags=ACTION. Actions: block, redact, flag.");
    });

  guardrails.command("set")
    .description(
      "Create or replace a policy, e.g. --rules aws_secret=redact,email=redact,injection=block",
    )
    .argument("<policy>", "policy name")
    .option("--rules <rules>", "ID=ACTION,… (see `gw guardrails rules`)")
    .option(
      "--defaults",
      "start from the default rules (secrets redacted; email, phone, injection flagged)",
    )
    .option("--max-bytes <n>", "block prompts larger than this")
    .option("--max-tokens <n>", "block prompts estimated larger than this many tokens")
    .option("--max-messages <n>", "block requests with more messages than this")
    .action(
      async (
        name: string,
        options: {
          rules?: string;
          defaults?: boolean;
          maxBytes?: string;
          maxTokens?: string;
          maxMessages?: string;
        },
        command: Command,
      ) => {
        const { DEFAULT_RULES, parseRules } = await import("../guardrails/policy.ts");
        let rules;
        try {
          rules = {
            ...(options.defaults ? DEFAULT_RULES : {}),
            ...(options.rules ? parseRules(options.rules) : {}),
          };
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        const limits = {
          maxPromptBytes: limit(options.maxBytes, "--max-bytes"),
          maxPromptTokens: limit(options.maxTokens, "--max-tokens"),
          maxMessages: limit(options.maxMessages, "--max-messages"),
        };
        if (
          Object.keys(rules).length === 0 && Object.values(limits).every((v) => v === undefined)
        ) {
          throw new UsageError("Give --rules, --defaults or a size limit");
        }
        const { withContext } = await context();
        const { upsertPolicy } = await repo();
        await withContext(command, async ({ db, actor }) => {
          await upsertPolicy(
            db,
            { name, rules, limits: JSON.parse(JSON.stringify(limits)) },
            actor,
          );
          console.log(
            `Policy ${name}: ${
              Object.entries(rules).map(([id, action]) => `${id}=${action}`).join(", ") ||
              "(size limits only)"
            }`,
          );
        });
      },
    );

  guardrails.command("assign")
    .description("Apply a policy to the whole org, a team or a key (the most specific wins)")
    .argument("<policy>", "policy name")
    .option("--org", "every request")
    .option("--team <team>", "this team's requests")
    .option("--key <key>", "this key's requests (id, prefix or name)")
    .action(
      async (
        policy: string,
        options: { org?: boolean; team?: string; key?: string },
        command: Command,
      ) => {
        const given = [options.org, options.team, options.key].filter((v) => v !== undefined);
        if (given.length !== 1) throw new UsageError("Give exactly one of --org, --team, --key");
        const { withContext } = await context();
        const { assignPolicy, listPolicies } = await repo();
        await withContext(command, async ({ db, actor }) => {
          if (!(await listPolicies(db)).some((p) => p.name === policy)) {
            throw new Error(`No policy ${policy}: create it with \`gw guardrails set\``);
          }
          let value = options.team ?? "";
          if (options.key) {
            const { findKey } = await import("../db/repos/keys_repo.ts");
            const key = await findKey(db, options.key);
            if (!key) throw new Error(`No key matches ${options.key}`);
            value = key.id;
          }
          const scope = options.org ? "org" : options.team ? "team" : "key";
          await assignPolicy(db, { scope, value, policy }, actor);
          console.log(`Policy ${policy} applies to ${scope}${value ? ` ${value}` : ""}`);
        });
      },
    );

  guardrails.command("list")
    .description("Policies and where they apply")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { withContext } = await context();
      const { listAssignments, listPolicies } = await repo();
      await withContext(command, async ({ db }) => {
        const policies = await listPolicies(db);
        const assignments = await listAssignments(db);
        if (options.json) return printJson({ policies, assignments });
        printTable(
          ["POLICY", "RULES", "LIMITS", "APPLIES TO"],
          policies.map((p) => [
            p.name,
            Object.entries(p.rules).map(([id, a]) => `${id}=${a}`).join(", "),
            JSON.stringify(p.limits),
            assignments.filter((a) => a.policy === p.name).map((a) =>
              a.scope + (a.value ? `:${a.value}` : "")
            ).join(", "),
          ]),
        );
      });
    });

  guardrails.command("test")
    .description(
      "Show what a policy would match in a file (a prompt, a log, a request body), without values",
    )
    .requiredOption("--policy <policy>", "policy name")
    .argument("<file>", "text or a Messages request JSON")
    .option("--json", "print JSON")
    .action(async (file: string, options: { policy: string; json?: boolean }, command: Command) => {
      const { withContext } = await context();
      const { listPolicies } = await repo();
      const { compilePolicy } = await import("../guardrails/policy.ts");
      const { findMatches } = await import("../guardrails/text_scan.ts");
      const { textSlots } = await import("../guardrails/text_slots.ts");
      const text = await Deno.readTextFile(file);
      await withContext(command, async ({ db }) => {
        const policy = (await listPolicies(db)).find((p) => p.name === options.policy);
        if (!policy) throw new Error(`No policy ${options.policy}`);
        const compiled = compilePolicy(policy);
        let slots: { text: string; location: string }[] = [{ text, location: file }];
        try {
          const body = JSON.parse(text);
          if (body && Array.isArray(body.messages)) slots = textSlots(body);
        } catch {
          // Plain text: scan it as one piece.
        }
        const findings = slots.flatMap((slot) =>
          findMatches(slot.text, compiled.detectors).map((m) => {
            const line = slot.text.slice(0, m.start).split("\n").length;
            return {
              rule: m.rule,
              action: compiled.rules[m.rule],
              location: slot.location,
              line,
              length: m.end - m.start,
            };
          })
        );
        if (options.json) return printJson(findings);
        if (findings.length === 0) return console.log("No matches.");
        printTable(
          ["RULE", "ACTION", "WHERE", "LINE", "LENGTH"],
          findings.map((f) => [f.rule, f.action, f.location, f.line, f.length]),
        );
      });
    });
  return guardrails;
}
