/** Teams and departments: a department is simply a team that other teams name as parent. */
import type { Row } from "@libsql/client";
import { type Database, writeBatch } from "../client.ts";
import { newId } from "../ids.ts";
import { auditStatement } from "./audit_repo.ts";
import { bumpRevision } from "./revision_repo.ts";

export interface Team {
  id: string;
  name: string;
  parentId: string | null;
  parentName: string | null;
  createdAt: number;
}

const SELECT_TEAM = `SELECT t.id, t.name, t.parent_id, p.name AS parent_name, t.created_at
  FROM teams t LEFT JOIN teams p ON p.id = t.parent_id`;

function toTeam(row: Row): Team {
  return {
    id: String(row.id),
    name: String(row.name),
    parentId: row.parent_id === null ? null : String(row.parent_id),
    parentName: row.parent_name === null ? null : String(row.parent_name),
    createdAt: Number(row.created_at),
  };
}

export async function findTeamByName(db: Database, name: string): Promise<Team | undefined> {
  const result = await db.client.execute({ sql: `${SELECT_TEAM} WHERE t.name = ?`, args: [name] });
  return result.rows[0] ? toTeam(result.rows[0]) : undefined;
}

export async function listTeams(db: Database): Promise<Team[]> {
  const result = await db.client.execute(`${SELECT_TEAM} ORDER BY t.name`);
  return result.rows.map(toTeam);
}

export async function createTeam(
  db: Database,
  input: { name: string; parentId: string | null },
  actor: string,
): Promise<Team> {
  const now = Date.now();
  const id = newId("team", now);
  await writeBatch(db, [
    {
      sql: "INSERT INTO teams (id, name, parent_id, created_at) VALUES (?, ?, ?, ?)",
      args: [id, input.name, input.parentId, now],
    },
    auditStatement(actor, "team.create", id, { name: input.name, parentId: input.parentId }, now),
    bumpRevision,
  ]);
  const team = await findTeamByName(db, input.name);
  if (!team) throw new Error(`Team ${input.name} vanished after creation`);
  return team;
}

export async function deleteTeam(db: Database, team: Team, actor: string): Promise<void> {
  await writeBatch(db, [
    { sql: "DELETE FROM teams WHERE id = ?", args: [team.id] },
    auditStatement(actor, "team.delete", team.id, { name: team.name }),
    bumpRevision,
  ]);
}

export async function countTeamMembers(db: Database, team: Team): Promise<number> {
  const result = await db.client.execute({
    sql: `SELECT (SELECT count(*) FROM keys WHERE team_id = ?)
      + (SELECT count(*) FROM teams WHERE parent_id = ?) AS n`,
    args: [team.id, team.id],
  });
  return Number(result.rows[0].n);
}
