/** Model routes. */
import type { Route } from "../../routing/route.ts";
import { type Database, writeBatch } from "../client.ts";
import { newId } from "../ids.ts";
import { auditStatement } from "./audit_repo.ts";
import { bumpRevision } from "./revision_repo.ts";

export async function listRoutes(db: Database): Promise<Route[]> {
  const result = await db.client.execute(
    `SELECT id, model_glob, team, condition, strategy, targets FROM routes
      ORDER BY team, condition, model_glob`,
  );
  return result.rows.map((row) => ({
    id: String(row.id),
    modelGlob: String(row.model_glob),
    team: String(row.team),
    condition: String(row.condition),
    strategy: String(row.strategy) as Route["strategy"],
    targets: JSON.parse(String(row.targets)),
  }));
}

export async function upsertRoute(
  db: Database,
  route: Omit<Route, "id">,
  actor: string,
): Promise<Route> {
  const now = Date.now();
  await writeBatch(db, [
    {
      sql: `INSERT INTO routes (id, model_glob, team, condition, strategy, targets, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (model_glob, team, condition) DO UPDATE SET strategy = excluded.strategy,
          targets = excluded.targets`,
      args: [
        newId("route", now),
        route.modelGlob,
        route.team,
        route.condition,
        route.strategy,
        JSON.stringify(route.targets),
        now,
      ],
    },
    auditStatement(actor, "route.set", route.modelGlob, { ...route }, now),
    bumpRevision,
  ]);
  return (await listRoutes(db)).find((r) =>
    r.modelGlob === route.modelGlob && r.team === route.team && r.condition === route.condition
  )!;
}

export async function removeRoute(
  db: Database,
  scope: { modelGlob: string; team: string; condition: string },
  actor: string,
): Promise<boolean> {
  const { modelGlob, team, condition } = scope;
  const found = await db.client.execute({
    sql: "SELECT id FROM routes WHERE model_glob = ? AND team = ? AND condition = ?",
    args: [modelGlob, team, condition],
  });
  if (found.rows.length === 0) return false;
  await writeBatch(db, [
    {
      sql: "DELETE FROM routes WHERE model_glob = ? AND team = ? AND condition = ?",
      args: [modelGlob, team, condition],
    },
    auditStatement(actor, "route.remove", modelGlob, { team, condition }),
    bumpRevision,
  ]);
  return true;
}
