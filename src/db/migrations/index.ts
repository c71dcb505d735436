/**
 * Every schema migration, in order. Embedded as code so the compiled binary carries them.
 * Append only: a released migration never changes.
 */
import * as init from "./0001_init.ts";
import * as budgetsLimits from "./0002_budgets_limits.ts";
import * as routes from "./0003_routes.ts";
import * as guardrails from "./0004_guardrails.ts";
import * as usageHourly from "./0005_usage_hourly.ts";
import * as latencyHistogram from "./0006_rollup_latency_histogram.ts";
import * as deviceLogins from "./0007_device_logins.ts";
import * as usageDaily from "./0008_usage_daily.ts";
import * as hourlyClustered from "./0009_usage_hourly_clustered.ts";
import * as routeConditions from "./0010_route_conditions.ts";
import * as keyProjects from "./0011_key_projects.ts";
import * as keyMintedBy from "./0012_key_minted_by.ts";
import * as sharedLimits from "./0013_shared_limits.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "init", sql: init.sql },
  { version: 2, name: "budgets_limits", sql: budgetsLimits.sql },
  { version: 3, name: "routes", sql: routes.sql },
  { version: 4, name: "guardrails", sql: guardrails.sql },
  { version: 5, name: "usage_hourly", sql: usageHourly.sql },
  { version: 6, name: "rollup_latency_histogram", sql: latencyHistogram.sql },
  { version: 7, name: "device_logins", sql: deviceLogins.sql },
  { version: 8, name: "usage_daily", sql: usageDaily.sql },
  { version: 9, name: "usage_hourly_clustered", sql: hourlyClustered.sql },
  { version: 10, name: "route_conditions", sql: routeConditions.sql },
  { version: 11, name: "key_projects", sql: keyProjects.sql },
  { version: 12, name: "key_minted_by", sql: keyMintedBy.sql },
  { version: 13, name: "shared_limits", sql: sharedLimits.sql },
];
