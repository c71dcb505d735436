/** `gw budgets` and `gw limits`: spend budgets and rate limits per scope. */
import { Command } from "commander";
import type { Budget, BudgetScope } from "../limits/budget.ts";
import type { RateLimitScope } from "../limits/rate_limit.ts";
import type { Database } from "../db/client.ts";
import { isoTime, printJson, printTable, UsageError } from "./output.ts";

const context = () => import("./context.ts");
const repo = () => import("../db/repos/budgets_repo.ts");

interface ScopeOptions {
  key?: string;
  user?: string;
  project?: string;
  team?: string;
  department?: string;
  tag?: string;
}

const SCOPES: (keyof ScopeOptions)[] = ["key", "user", "project", "team", "department", "tag"];

function addScopeOptions(command: Command, scopes: readonly (keyof ScopeOptions)[]): Command {
  for (const scope of scopes) {
    command.option(
      `--${scope} <${scope === "tag" ? "name=value" : scope}>`,
      `applies to this ${scope}`,
    );
  }
  return command;
}

/** The one scope given; keys are named by id, prefix or name and stored by id. */
async function resolveScope(
  db: Database,
  options: ScopeOptions,
  allowed: readonly (keyof ScopeOptions)[],
) {
  const given = allowed.filter((scope) => options[scope] !== undefined);
  if (given.length !== 1) {
    throw new UsageError(`Give exactly one of ${allowed.map((s) => `--${s}`).join(", ")}`);
  }
  const scope = given[0];
  let value = options[scope]!;
  if (scope === "key") {
    const { findKey } = await import("../db/repos/keys_repo.ts");
    const key = await findKey(db, value);
    if (!key) throw new Error(`No key matches ${value}`);
    value = key.id;
  }
  if (scope === "tag" && !/^[^=]+=.+$/.test(value)) throw new UsageError("--tag takes NAME=VALUE");
  return { scope, value };
}

function positive(text: string | undefined, name: string): number | null {
  if (text === undefined) return null;
  const value = Number(text);
  if (!(value > 0)) throw new UsageError(`${name} must be a positive number, got ${text}`);
  return value;
}

export function budgetsCommand(): Command {
  const budgets = new Command("budgets").description(
    "Spend budgets per key, user, project, team, department or tag",
  );

  addScopeOptions(
    budgets.command("set").description(
      "Create or replace a budget; it counts the spend already logged in the current period",
    ),
    SCOPES,
  )
    .requiredOption("--period <period>", "day, week, month or total")
    .option("--usd <amount>", "limit in US dollars")
    .option("--tokens <n>", "limit in tokens (input, cache and output)")
    .option("--warn <percent>", "log a warning from this utilisation", "80")
    .option("--soft", "only warn, never refuse")
    .option(
      "--per-member",
      "team/department budgets: every member gets this limit instead of one shared pool",
    )
    .option("--downgrade-to <model>", "past --downgrade-at, serve requests with this cheaper model")
    .option("--downgrade-at <percent>", "utilisation that triggers --downgrade-to", "90")
    .option("--json", "print JSON")
    .action(
      async (
        options: ScopeOptions & Record<string, string | boolean | undefined>,
        command: Command,
      ) => {
        const period = String(options.period);
        if (!["day", "week", "month", "total"].includes(period)) {
          throw new UsageError("--period must be day, week, month or total");
        }
        const usd = positive(options.usd as string | undefined, "--usd");
        const tokens = positive(options.tokens as string | undefined, "--tokens");
        if ((usd === null) === (tokens === null)) {
          throw new UsageError("Give exactly one of --usd and --tokens");
        }
        const warn = Number(options.warn);
        if (!(warn > 0 && warn <= 100)) {
          throw new UsageError("--warn must be a percentage from 1 to 100");
        }
        const { withContext } = await context();
        const { upsertBudget } = await repo();
        await withContext(command, async ({ db, actor, config }) => {
          const { scope, value } = await resolveScope(db, options, SCOPES);
          if (options.perMember && scope !== "team" && scope !== "department") {
            throw new UsageError("--per-member applies to --team and --department budgets");
          }
          const budget = await upsertBudget(
            db,
            {
              scope: scope as BudgetScope,
              value,
              period: period as Budget["period"],
              limitUsd: usd,
              limitTokens: tokens === null ? null : Math.round(tokens),
              warnPct: warn,
              hard: !options.soft,
              perMember: !!options.perMember,
              downgradeModel: (options.downgradeTo as string | undefined) ?? null,
              downgradeAtPct: options.downgradeTo ? Number(options.downgradeAt) : null,
            },
            actor,
            { timeZone: config.budgets.timeZone },
          );
          if (options.json) return printJson(budget);
          console.log(
            `Budget ${budget.id}: ${scope} ${value}, ${period}, ${
              usd !== null ? `$${usd}` : `${tokens} tokens`
            }${budget.hard ? "" : " (soft)"}`,
          );
        });
      },
    );

  budgets.command("list")
    .description("Budgets with spent / limit / percent / reset for the current period")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { withContext } = await context();
      await withContext(command, async ({ db, config }) => {
        const rows = await budgetStandings(db, config.budgets.timeZone);
        if (options.json) return printJson(rows);
        printTable(
          ["ID", "SCOPE", "PERIOD", "MEMBER", "SPENT", "LIMIT", "PCT", "RESETS", "MODE"],
          rows.map((
            r,
          ) => [
            r.id,
            `${r.scope} ${r.value}`,
            r.period,
            r.member || null,
            r.spentText,
            r.limitText,
            `${r.percent.toFixed(1)}%`,
            r.resetsAt,
            r.mode,
          ]),
        );
      });
    });

  budgets.command("remove")
    .description("Remove a budget and its counters")
    .argument("<id>", "budget id from `gw budgets list`")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { withContext } = await context();
      const { removeBudget } = await repo();
      await withContext(command, async ({ db, actor }) => {
        if (!(await removeBudget(db, id, actor))) throw new Error(`No budget ${id}`);
        console.log(`Removed budget ${id}`);
      });
    });
  return budgets;
}

export interface BudgetStanding {
  id: string;
  scope: string;
  value: string;
  period: string;
  member: string;
  spent: number;
  limit: number;
  unit: "usd" | "tokens";
  spentText: string;
  limitText: string;
  percent: number;
  resetsAt: string | null;
  mode: string;
}

/** Every budget with each of its counters for the current period (pools show one row). */
export async function budgetStandings(
  db: Database,
  timeZone: string,
  filter?: (budget: Budget) => boolean,
): Promise<BudgetStanding[]> {
  const { listBudgets, readSpend } = await repo();
  const { periodEnd, periodStart } = await import("../limits/period.ts");
  const { formatAmount, limitOf } = await import("../limits/budget_check.ts");
  const now = Date.now();
  const spend = await readSpend(db, 0);
  const standings: BudgetStanding[] = [];
  for (const budget of await listBudgets(db)) {
    if (filter && !filter(budget)) continue;
    const start = periodStart(budget.period, now, timeZone);
    const counters = spend.filter((row) => row.budgetId === budget.id && row.periodStart === start);
    if (counters.length === 0) {
      counters.push({ budgetId: budget.id, periodStart: start, member: "", usd: 0, tokens: 0 });
    }
    for (const counter of counters) {
      const spent = budget.limitUsd !== null ? counter.usd : counter.tokens;
      const limit = limitOf(budget);
      standings.push({
        id: budget.id,
        scope: budget.scope,
        value: budget.value,
        period: budget.period,
        member: counter.member,
        spent,
        limit,
        unit: budget.limitUsd !== null ? "usd" : "tokens",
        spentText: formatAmount(budget, spent),
        limitText: formatAmount(budget, limit),
        percent: limit > 0 ? (spent / limit) * 100 : 0,
        resetsAt: isoTime(periodEnd(budget.period, now, timeZone) ?? null),
        mode: [
          budget.hard ? "hard" : "soft",
          budget.perMember ? "per-member" : "",
          budget.downgradeModel
            ? `downgrade→${budget.downgradeModel}@${budget.downgradeAtPct}%`
            : "",
        ]
          .filter(Boolean).join(" "),
      });
    }
  }
  return standings;
}

const LIMIT_SCOPES: (keyof ScopeOptions)[] = ["key", "user", "team"];

export function limitsCommand(): Command {
  const limits = new Command("limits").description(
    "Rate limits per key, user or team (enforced per instance)",
  );

  addScopeOptions(limits.command("set").description("Create or replace a rate limit"), LIMIT_SCOPES)
    .option("--rpm <n>", "requests per minute")
    .option("--tpm <n>", "tokens per minute (input, cache and output, counted from real usage)")
    .option("--concurrent <n>", "requests in flight at once")
    .option("--json", "print JSON")
    .action(
      async (
        options: ScopeOptions & { rpm?: string; tpm?: string; concurrent?: string; json?: boolean },
        command: Command,
      ) => {
        const rpm = positive(options.rpm, "--rpm");
        const tpm = positive(options.tpm, "--tpm");
        const concurrent = positive(options.concurrent, "--concurrent");
        if (rpm === null && tpm === null && concurrent === null) {
          throw new UsageError("Give at least one of --rpm, --tpm, --concurrent");
        }
        const { withContext } = await context();
        const { upsertRateLimit } = await repo();
        await withContext(command, async ({ db, actor }) => {
          const { scope, value } = await resolveScope(db, options, LIMIT_SCOPES);
          const limit = await upsertRateLimit(db, {
            scope: scope as RateLimitScope,
            value,
            rpm,
            tpm,
            concurrent,
          }, actor);
          if (options.json) return printJson(limit);
          console.log(
            `Rate limit ${limit.id}: ${scope} ${value} rpm=${rpm ?? "-"} tpm=${
              tpm ?? "-"
            } concurrent=${concurrent ?? "-"}`,
          );
        });
      },
    );

  limits.command("list")
    .description("List rate limits")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { withContext } = await context();
      const { listRateLimits } = await repo();
      await withContext(command, async ({ db }) => {
        const all = await listRateLimits(db);
        if (options.json) return printJson(all);
        printTable(
          ["ID", "SCOPE", "RPM", "TPM", "CONCURRENT"],
          all.map((l) => [l.id, `${l.scope} ${l.value}`, l.rpm, l.tpm, l.concurrent]),
        );
      });
    });

  limits.command("remove")
    .description("Remove a rate limit")
    .argument("<id>", "rate limit id")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { withContext } = await context();
      const { removeRateLimit } = await repo();
      await withContext(command, async ({ db, actor }) => {
        if (!(await removeRateLimit(db, id, actor))) throw new Error(`No rate limit ${id}`);
        console.log(`Removed rate limit ${id}`);
      });
    });
  return limits;
}
