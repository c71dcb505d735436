import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type Database, openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { addSpendStatements, upsertBudget } from "../db/repos/budgets_repo.ts";
import { consumeLeaseStatements, listLeases } from "../db/repos/budget_leases_repo.ts";
import { BudgetService } from "./budget_service.ts";
import type { Chargee } from "./budget.ts";
import type { Amount } from "./spend_ledger.ts";
import { LEASE_TTL_MS } from "./budget_leases.ts";
import { budget } from "../../test/helpers/budgets.ts";
import { GatewayError } from "../server/errors.ts";

const chargee = {
  keyId: "k",
  identity: { team: "payments", department: null, user: null },
  tags: { team: "payments", tags: {} },
} as unknown as Chargee;

/** Two gw processes' budget services on one database file, with one fake clock. */
describe("budget leases across processes", () => {
  let dir: string;
  let dbs: Database[];
  let now: number;
  let a: BudgetService;
  let b: BudgetService;

  async function service(db: Database): Promise<BudgetService> {
    const options = { timeZone: "UTC", refreshMs: 500, staleAfterMs: 60_000, failMode: "open" };
    const service = new BudgetService(db, options as never, () => now, () => {});
    await service.reloadBudgets();
    await service.refreshSpend();
    return service;
  }

  /** What the log writer does for a process: spend and lease consumption in one write. */
  async function commit(
    service: BudgetService,
    db: Database,
    spend: ReturnType<
      Awaited<ReturnType<BudgetService["admit"]>>["settle"]
    >,
  ) {
    await db.client.batch(
      [...addSpendStatements(spend), ...consumeLeaseStatements(service.leases.holder, spend)],
      "write",
    );
    service.markCommitted(spend);
  }

  beforeEach(async () => {
    now = Date.UTC(2026, 5, 15);
    dir = await Deno.makeTempDir();
    dbs = [await openDatabase(`file:${dir}/b.db`), await openDatabase(`file:${dir}/b.db`)];
    await migrate(dbs[0]);
    await upsertBudget(dbs[0], budget({ limitUsd: 10 }), "test");
    a = await service(dbs[0]);
    b = await service(dbs[1]);
  });
  afterEach(async () => {
    for (const db of dbs) db.client.close();
    await Deno.remove(dir, { recursive: true });
  });

  const three: Amount = { usd: 3, tokens: 0 };
  const refused = (error: unknown) => error instanceof GatewayError && error.status === 429;

  it("admits no more than the limit between two processes, worst cases counted", async () => {
    const held = [await a.admit(chargee, three), await a.admit(chargee, three)];
    held.push(await a.admit(chargee, three));
    await assert.rejects(async () => await b.admit(chargee, three), refused);
    await assert.rejects(async () => await a.admit(chargee, three), refused);
    // Two finish far below their worst case: the room comes back once their spend is written.
    for (const admission of held.slice(0, 2)) {
      await commit(a, dbs[0], admission.settle({ usd: 0.5, tokens: 0 }));
    }
    await a.refreshSpend();
    const second = await b.admit(chargee, three);
    await assert.rejects(async () => await b.admit(chargee, three), refused);
    await commit(b, dbs[1], second.settle({ usd: 0.5, tokens: 0 }));
    await commit(a, dbs[0], held[2].settle({ usd: 0.5, tokens: 0 }));
    const leases = await listLeases(dbs[0], now);
    assert.ok(leases.every((lease) => lease.usd <= 10));
  });

  it("checks again after a claim another request started for a smaller amount", async () => {
    const [small, large] = await Promise.allSettled([
      a.admit(chargee, { usd: 1, tokens: 0 }),
      a.admit(chargee, { usd: 9.5, tokens: 0 }),
    ]);
    assert.equal(small.status, "fulfilled");
    assert.equal(large.status, "rejected");
    assert.ok(refused((large as PromiseRejectedResult).reason));
  });

  it("answers from the lease without a database round trip far from the limit", async () => {
    await upsertBudget(dbs[0], budget({ limitUsd: 1000 }), "test");
    await a.reloadBudgets();
    const first = a.admit(chargee, three);
    assert.ok(first instanceof Promise, "the first request claims a lease");
    (await first).settle({ usd: 0, tokens: 0 });
    for (let i = 0; i < 20; i++) {
      const next = a.admit(chargee, three);
      assert.ok(!(next instanceof Promise), `request ${i} waited for the database`);
      next.settle({ usd: 0, tokens: 0 });
    }
  });

  it("frees the lease of a process that stopped renewing it", async () => {
    const held = [await a.admit(chargee, three), await a.admit(chargee, three)];
    await a.admit(chargee, three);
    await assert.rejects(async () => await b.admit(chargee, three), refused);
    assert.equal(held.length, 2);
    now += LEASE_TTL_MS + 1;
    await b.refreshSpend();
    (await b.admit(chargee, three)).settle({ usd: 0, tokens: 0 });
  });

  it("lets a request alone through while anything is left, and only one", async () => {
    const big: Amount = { usd: 25, tokens: 0 };
    const alone = await a.admit(chargee, big);
    await assert.rejects(async () => await a.admit(chargee, big), refused);
    await assert.rejects(async () => await b.admit(chargee, big), refused);
    await commit(a, dbs[0], alone.settle({ usd: 10.5, tokens: 0 }));
    await a.refreshSpend();
    assert.throws(() => a.admit(chargee, big), /Budget exhausted/);
  });
});
