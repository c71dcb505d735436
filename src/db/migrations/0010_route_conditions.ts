/**
 * Routes may hold for one attribution value (`project=checkout`, `env=prod`, a request tag),
 * so one model can go to different providers for different work.
 */
export const sql = `
ALTER TABLE routes ADD COLUMN condition TEXT NOT NULL DEFAULT '';
DROP INDEX routes_glob_team;
CREATE UNIQUE INDEX routes_scope ON routes(model_glob, team, condition);
`;
