/** `gw teams`: teams and their departments (a team's parent). */
import { Command } from "commander";
import { isoTime, printJson, printTable, UsageError } from "./output.ts";

const context = () => import("./context.ts");
const repo = () => import("../db/repos/teams_repo.ts");

export function teamsCommand(): Command {
  const teams = new Command("teams").description("Manage teams and departments");

  teams.command("create")
    .description("Create a team; --parent makes it part of a department (itself a team)")
    .argument("<name>", "team name, e.g. payments")
    .option("--parent <name>", "the department this team belongs to")
    .option("--json", "print the team as JSON")
    .action(
      async (name: string, options: { parent?: string; json?: boolean }, command: Command) => {
        const { withContext } = await context();
        const { createTeam, findTeamByName } = await repo();
        await withContext(command, async ({ db, actor }) => {
          if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
            throw new UsageError(`Invalid team name ${name}: use letters, digits, '.', '_' or '-'`);
          }
          if (await findTeamByName(db, name)) throw new Error(`Team ${name} already exists`);
          let parentId: string | null = null;
          if (options.parent) {
            const parent = await findTeamByName(db, options.parent);
            if (!parent) {
              throw new Error(
                `Department ${options.parent} does not exist: create it with \`gw teams create ${options.parent}\``,
              );
            }
            parentId = parent.id;
          }
          const team = await createTeam(db, { name, parentId }, actor);
          if (options.json) printJson(team);
          else {console.log(
              `Created team ${team.name}${
                team.parentName ? ` in ${team.parentName}` : ""
              } (${team.id})`,
            );}
        });
      },
    );

  teams.command("list")
    .description("List teams")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { withContext } = await context();
      const { listTeams } = await repo();
      await withContext(command, async ({ db }) => {
        const all = await listTeams(db);
        if (options.json) return printJson(all);
        printTable(
          ["NAME", "DEPARTMENT", "ID", "CREATED"],
          all.map((t) => [t.name, t.parentName, t.id, isoTime(t.createdAt)]),
        );
      });
    });

  teams.command("remove")
    .description("Remove a team that has no keys and no sub-teams")
    .argument("<name>", "team name")
    .action(async (name: string, _options: unknown, command: Command) => {
      const { withContext } = await context();
      const { countTeamMembers, deleteTeam, findTeamByName } = await repo();
      await withContext(command, async ({ db, actor }) => {
        const team = await findTeamByName(db, name);
        if (!team) throw new Error(`Team ${name} does not exist`);
        const members = await countTeamMembers(db, team);
        if (members > 0) {
          throw new Error(
            `Team ${name} still has ${members} keys or sub-teams: move or revoke them first`,
          );
        }
        await deleteTeam(db, team, actor);
        console.log(`Removed team ${name}`);
      });
    });
  return teams;
}
