import assert from "node:assert/strict";
import { it } from "node:test";
import { openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { addSpendStatements, upsertBudget } from "../db/repos/budgets_repo.ts";
import { BudgetService } from "./budget_service.ts";
import type { Chargee } from "./budget.ts";
import type { Period } from "./period.ts";
import { budget } from "../../test/helpers/budgets.ts";

/** A fresh database with one hard $1 budget on team payments. */
async function databaseWithBudget(period: Period) {
  const dir = await Deno.makeTempDir();
  const db = await openDatabase(`file:${dir}/b.db`);
  await migrate(db);
  await upsertBudget(db, budget({ period }), "test");
  return { dir, db };
}

it("starts a fresh period at the calendar boundary (fake clock)", async () => {
  const { dir, db } = await databaseWithBudget("month");
  let now = Date.UTC(2026, 10, 30, 23, 59);
  const messages: string[] = [];
  const service = new BudgetService(
    db,
    { timeZone: "UTC", refreshMs: 1000, staleAfterMs: 60_000, failMode: "open" },
    () => now,
    (m) => messages.push(m),
  );
  await service.reloadBudgets();
  const chargee = {
    keyId: "k",
    identity: { team: "payments", department: null, user: null },
    tags: { team: "payments", tags: {} },
  } as unknown as Chargee;
  const admission = await service.admit(chargee, { usd: 0.5, tokens: 10 });
  const spend = admission.settle({ usd: 1.25, tokens: 10 });
  await db.client.batch(addSpendStatements(spend), "write");
  service.markCommitted(spend);
  await service.refreshSpend();
  assert.throws(
    () => service.admit(chargee, { usd: 0.5, tokens: 10 }),
    /Budget exhausted.*\$1\.25 of \$1\.00 this month; resets 2026-12-01 00:00 UTC/,
  );
  now = Date.UTC(2026, 11, 1, 0, 0, 1);
  (await service.admit(chargee, { usd: 0.5, tokens: 10 })).settle({ usd: 0, tokens: 0 });
  assert.equal(service.states(chargee)[0].spent.usd, 0);
  db.client.close();
  await Deno.remove(dir, { recursive: true });
});

it("fails closed when configured and the spend is stale", async () => {
  const { dir, db } = await databaseWithBudget("day");
  const service = new BudgetService(
    db,
    { timeZone: "UTC", refreshMs: 1000, staleAfterMs: 1000, failMode: "closed" },
    Date.now,
    () => {},
  );
  await service.reloadBudgets();
  const chargee = {
    keyId: "k",
    identity: { team: "payments", department: null, user: null },
    tags: { team: "payments", tags: {} },
  } as unknown as Chargee;
  assert.throws(() => service.admit(chargee, { usd: 0.1, tokens: 1 }), /cannot read budget state/);
  await service.refreshSpend();
  await service.admit(chargee, { usd: 0.1, tokens: 1 });
  db.client.close();
  await Deno.remove(dir, { recursive: true });
});
