/** `gw keys`: issue, inspect, change, rotate and revoke gw keys. */
import { Command } from "commander";
import type { KeyRecord } from "../db/repos/keys_repo.ts";
import { parseDuration } from "./duration.ts";
import {
  collect,
  isoTime,
  parseTags,
  printJson,
  printTable,
  splitList,
  UsageError,
} from "./output.ts";

const context = () => import("./context.ts");
const repo = () => import("../db/repos/keys_repo.ts");
const teamsRepo = () => import("../db/repos/teams_repo.ts");
const secrets = () => import("../auth/key_secret.ts");

interface KeyOptions {
  team?: string;
  user?: string;
  project?: string;
  env?: string;
  models?: string;
  projects?: string;
  expires?: string;
  name?: string;
  tag?: string[];
  json?: boolean;
}

function status(key: KeyRecord, now = Date.now()): string {
  if (key.revokedAt !== null) return "revoked";
  if (key.expiresAt !== null && key.expiresAt <= now) return "expired";
  return "active";
}

/** A key as scripts see it: never the secret or its hash. */
export function keyView(key: KeyRecord) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    status: status(key),
    team: key.team,
    department: key.department,
    user: key.user,
    project: key.project,
    env: key.env,
    tags: key.tags,
    models: key.models,
    projects: key.projects,
    expiresAt: isoTime(key.expiresAt),
    revokedAt: isoTime(key.revokedAt),
    createdAt: isoTime(key.createdAt),
  };
}

function printKey(key: KeyRecord): void {
  const view = keyView(key);
  for (const [field, value] of Object.entries(view)) {
    const shown = Array.isArray(value)
      ? (value.length ? value.join(", ") : "(all)")
      : typeof value === "object" && value !== null
      ? JSON.stringify(value)
      : value ?? "-";
    console.log(`${field.padEnd(11)} ${shown}`);
  }
}

/**
 * `--user`, `--project`, `--env`: '' clears. Never stored as '', which would bind the key to
 * nothing (a header could not fill it, and an empty user would join the per-member pool).
 */
function attribute(text: string): string | null {
  return text.trim() || null;
}

/** `--projects`: at least one name; lifting the restriction is `--all-projects`, not ''. */
function parseProjects(text: string): string[] {
  const projects = splitList(text);
  if (projects.length === 0) {
    throw new UsageError(
      "--projects needs at least one project; to allow every project use `gw keys update KEY --all-projects`",
    );
  }
  return projects;
}

/** A key's own project must be one it may be used for, or every request would be refused. */
function checkBoundProject(project: string | null, projects: string[]): void {
  if (projects.length === 0 || project === null || projects.includes(project)) return;
  throw new UsageError(
    `The key's project ${project} is not in its projects (${
      projects.join(", ")
    }): add it to --projects or change --project`,
  );
}

function addKeyFields(command: Command): Command {
  return command
    .option("--user <user>", "the developer this key belongs to ('' for none)")
    .option("--project <project>", "the key's project; x-gw-project cannot change it ('' for none)")
    .option("--env <env>", "the key's environment, e.g. dev or ci ('' for none)")
    .option("--models <globs>", "comma-separated model globs the key may use, e.g. 'claude-*-5-5'")
    .option(
      "--projects <names>",
      "comma-separated projects the key may be used for (bound or sent as x-gw-project)",
    )
    .option("--expires <duration>", "expire after this long, e.g. 30d")
    .option("--name <name>", "a label for the key")
    .option("--json", "print JSON");
}

export function keysCommand(): Command {
  const keys = new Command("keys").description("Manage gw keys (developers' credentials)");

  addKeyFields(
    keys.command("create")
      .description("Create a key and print its secret once")
      .requiredOption("--team <team>", "the team whose budgets and limits the key draws on"),
  )
    .option("--tag <name=value>", "a tag added to every request (repeatable)", collect)
    .action(async (options: KeyOptions, command: Command) => {
      const { withContext } = await context();
      const { insertKey } = await repo();
      const { findTeamByName } = await teamsRepo();
      const { displayPrefix, generateKeySecret, hashKeySecret } = await secrets();
      await withContext(command, async ({ db, actor }) => {
        const team = await findTeamByName(db, options.team!);
        if (!team) {
          throw new Error(
            `Team ${options.team} does not exist: create it with \`gw teams create ${options.team}\``,
          );
        }
        const projects = options.projects === undefined ? [] : parseProjects(options.projects);
        const project = options.project === undefined ? null : attribute(options.project);
        checkBoundProject(project, projects);
        const secret = generateKeySecret();
        const key = await insertKey(db, {
          name: options.name ?? null,
          hash: await hashKeySecret(secret),
          prefix: displayPrefix(secret),
          teamId: team.id,
          user: options.user === undefined ? null : attribute(options.user),
          project,
          env: options.env === undefined ? null : attribute(options.env),
          tags: parseTags(options.tag),
          models: splitList(options.models),
          projects,
          expiresAt: options.expires ? Date.now() + parseDuration(options.expires) : null,
        }, actor);
        if (options.json) return printJson({ ...keyView(key), key: secret });
        console.log(
          `Created key ${key.id} for team ${key.team}${key.user ? `, user ${key.user}` : ""}.`,
        );
        console.log(`\n  ${secret}\n`);
        console.log("This is the only time the key is shown. Hand it to the developer, who runs:");
        console.log(`  gw setup claude-code --key ${key.prefix}… --url https://<this gw>`);
      });
    });

  keys.command("list")
    .description("List keys (active ones unless --all)")
    .option("--team <team>", "only this team's keys")
    .option("--all", "include revoked keys")
    .option("--json", "print JSON")
    .action(async (options: { team?: string; all?: boolean; json?: boolean }, command: Command) => {
      const { withContext } = await context();
      const { listKeys } = await repo();
      const { findTeamByName } = await teamsRepo();
      await withContext(command, async ({ db }) => {
        let teamId: string | undefined;
        if (options.team) {
          const team = await findTeamByName(db, options.team);
          if (!team) throw new Error(`Team ${options.team} does not exist`);
          teamId = team.id;
        }
        const all = await listKeys(db, { teamId, includeRevoked: options.all });
        if (options.json) return printJson(all.map(keyView));
        printTable(
          ["PREFIX", "NAME", "TEAM", "USER", "PROJECT", "PROJECTS", "STATUS", "EXPIRES", "ID"],
          all.map((
            k,
          ) => [
            k.prefix,
            k.name,
            k.team,
            k.user,
            k.project,
            k.projects.length ? k.projects.join(",") : "(all)",
            status(k),
            isoTime(k.expiresAt),
            k.id,
          ]),
        );
      });
    });

  keys.command("show")
    .description("Show one key by id, prefix or name")
    .argument("<key>", "key id, prefix (gw_XXXXXXXX) or name")
    .option("--json", "print JSON")
    .action(async (ref: string, options: { json?: boolean }, command: Command) => {
      const { withContext } = await context();
      await withContext(command, async ({ db, config }) => {
        const key = await mustFindKey(db, ref);
        const { budgetStandings } = await import("./budgets.ts");
        const { budgetMember, chargeeOf } = await import("../limits/budget.ts");
        const chargee = chargeeOf(key, {
          team: key.team,
          department: key.department,
          user: key.user,
          project: key.project,
          env: key.env,
          tags: key.tags,
          sessionId: null,
          agentId: null,
          parentAgentId: null,
        });
        const budgets = (await budgetStandings(db, config.budgets.timeZone, (b) =>
          budgetMember(b, chargee) !== undefined))
          .filter((s) =>
            s.member === "" || s.member === (key.user ?? `key:${key.id}`)
          );
        if (options.json) {
          return printJson({ ...keyView(key), budgets });
        }
        printKey(key);
        for (const b of budgets) {
          console.log(
            `budget      ${b.scope} ${b.value} ${b.period}: ${b.spentText} of ${b.limitText} (${
              b.percent.toFixed(1)
            }%), resets ${b.resetsAt ?? "never"}`,
          );
        }
      });
    });

  addKeyFields(
    keys.command("update")
      .description("Change a key's attributes; the secret stays the same")
      .argument("<key>", "key id, prefix or name")
      .option("--team <team>", "move the key to another team"),
  )
    .option("--no-expires", "remove the expiry")
    .option("--all-projects", "lift the --projects restriction: any project")
    .action(
      async (
        ref: string,
        options: Omit<KeyOptions, "expires"> & { expires?: string | false; allProjects?: boolean },
        command: Command,
      ) => {
        const { withContext } = await context();
        const { updateKey } = await repo();
        const { findTeamByName } = await teamsRepo();
        await withContext(command, async ({ db, actor }) => {
          const key = await mustFindKey(db, ref);
          const changes: Parameters<typeof updateKey>[2] = {};
          if (options.name !== undefined) changes.name = options.name;
          if (options.user !== undefined) changes.user = attribute(options.user);
          if (options.project !== undefined) changes.project = attribute(options.project);
          if (options.env !== undefined) changes.env = attribute(options.env);
          if (options.models !== undefined) changes.models = splitList(options.models);
          if (options.projects !== undefined && options.allProjects) {
            throw new UsageError("Give --projects or --all-projects, not both");
          }
          if (options.projects !== undefined) changes.projects = parseProjects(options.projects);
          if (options.allProjects) changes.projects = [];
          checkBoundProject(
            changes.project !== undefined ? changes.project : key.project,
            changes.projects ?? key.projects,
          );
          if (options.expires === false) changes.expiresAt = null;
          else if (typeof options.expires === "string") {
            changes.expiresAt = Date.now() + parseDuration(options.expires);
          }
          if (options.team !== undefined) {
            const team = await findTeamByName(db, options.team);
            if (!team) throw new Error(`Team ${options.team} does not exist`);
            changes.teamId = team.id;
          }
          const updated = await updateKey(db, key, changes, actor);
          if (options.json) printJson(keyView(updated));
          else printKey(updated);
        });
      },
    );

  keys.command("revoke")
    .description(
      "Revoke a key and every key its sign-ins minted, down the chain; every gw instance refuses them within a second",
    )
    .argument("<key>", "key id, prefix or name")
    .action(async (ref: string, _options: unknown, command: Command) => {
      const { withContext } = await context();
      const { revokeKey } = await repo();
      await withContext(command, async ({ db, actor }) => {
        const key = await mustFindKey(db, ref);
        await revokeKey(db, key, actor);
        console.log(`Revoked key ${key.prefix}… (${key.id}) and the keys its sign-ins minted`);
      });
    });

  keys.command("rotate")
    .description(
      "Issue a new secret for a key; the old secret and every key its sign-ins minted stop working, history stays",
    )
    .argument("<key>", "key id, prefix or name")
    .option("--json", "print JSON")
    .action(async (ref: string, options: { json?: boolean }, command: Command) => {
      const { withContext } = await context();
      const { rotateKey } = await repo();
      const { displayPrefix, generateKeySecret, hashKeySecret } = await secrets();
      await withContext(command, async ({ db, actor }) => {
        const key = await mustFindKey(db, ref);
        const secret = generateKeySecret();
        const rotated = await rotateKey(db, key, {
          hash: await hashKeySecret(secret),
          prefix: displayPrefix(secret),
        }, actor);
        if (options.json) return printJson({ ...keyView(rotated), key: secret });
        console.log(`Rotated key ${rotated.id}. New secret (shown once):\n\n  ${secret}\n`);
      });
    });
  return keys;
}

async function mustFindKey(
  db: import("../db/client.ts").Database,
  ref: string,
): Promise<KeyRecord> {
  const { findKey } = await repo();
  const key = await findKey(db, ref.replace(/…$/, ""));
  if (!key) throw new Error(`No key matches ${ref}: use its id, prefix (gw_XXXXXXXX) or name`);
  return key;
}
