/**
 * Starts a real gw on a free port with a temporary libSQL file, seeded through the same repos
 * the CLI uses. Tests talk to it over HTTP like any client.
 */
import { displayPrefix, generateKeySecret, hashKeySecret } from "../../src/auth/key_secret.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { SecretBox } from "../../src/crypto/secret_box.ts";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";
import { insertKey, type KeyRecord } from "../../src/db/repos/keys_repo.ts";
import { insertProvider } from "../../src/db/repos/providers_repo.ts";
import { createTeam, findTeamByName, type Team } from "../../src/db/repos/teams_repo.ts";
import { listRequests } from "../../src/db/repos/requests_repo.ts";
import type { RequestLog } from "../../src/logging/request_log.ts";
import { Gateway } from "../../src/server/gateway.ts";

export interface Harness {
  gateway: Gateway;
  db: Database;
  dir: string;
  url: string;
  masterKey: string;
  createKey(
    options?: {
      team?: string;
      department?: string;
      /** Defaults to alice; null for a key without a user. */
      user?: string | null;
      project?: string;
      env?: string;
      tags?: Record<string, string>;
      models?: string[];
      projects?: string[];
      expiresAt?: number;
    },
  ): Promise<{ secret: string; record: KeyRecord }>;
  addProvider(
    name: string,
    kind: string,
    baseUrl: string,
    secret: string,
    config?: Record<string, unknown>,
  ): Promise<void>;
  /** Flushes the log writer and returns every row, oldest first. */
  rows(): Promise<RequestLog[]>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Share another harness's folder and database, as a second instance or after a restart. */
  shareWith?: Harness;
}

export async function startGw(
  overrides: Record<string, unknown> = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  const shared = options.shareWith;
  const dir = shared?.dir ?? await Deno.makeTempDir({ prefix: "gw-test-" });
  const masterKey = shared?.masterKey ?? SecretBox.generateMasterKey();
  const config: Config = parseConfig({
    host: "127.0.0.1",
    port: 0,
    dbUrl: `file:${dir}/gw.db`,
    masterKey,
    adminToken: "gwadm_test",
    refreshIntervalMs: 100,
    budgets: { refreshMs: 200 },
    log: { flushIntervalMs: 50, batchRows: 500, queueLimit: 100_000, retentionDays: 0 },
    ...overrides,
  }, "test");
  const db = await openDatabase(config.dbUrl);
  await migrate(db);
  const gateway = await Gateway.create({ config, db, masterKey, adminToken: config.adminToken! });
  await gateway.start();
  const box = await SecretBox.fromMasterKey(masterKey);

  const ensureTeam = async (name: string, parent?: string): Promise<Team> => {
    const existing = await findTeamByName(db, name);
    if (existing) return existing;
    const parentTeam = parent ? await ensureTeam(parent) : undefined;
    return createTeam(db, { name, parentId: parentTeam?.id ?? null }, "test");
  };

  return {
    gateway,
    db,
    dir,
    url: gateway.url,
    masterKey,
    async createKey(options = {}) {
      const team = await ensureTeam(options.team ?? "payments", options.department);
      const secret = generateKeySecret();
      const record = await insertKey(db, {
        name: null,
        hash: await hashKeySecret(secret),
        prefix: displayPrefix(secret),
        teamId: team.id,
        user: options.user === undefined ? "alice" : options.user,
        project: options.project ?? null,
        env: options.env ?? null,
        tags: options.tags ?? {},
        models: options.models ?? [],
        projects: options.projects ?? [],
        expiresAt: options.expiresAt ?? null,
      }, "test");
      await gateway.refresh();
      return { secret, record };
    },
    async addProvider(name, kind, baseUrl, secret, providerConfig = {}) {
      await insertProvider(db, {
        name,
        kind,
        baseUrl,
        config: providerConfig,
        sealedSecret: await box.seal(secret),
      }, "test");
      await gateway.refresh();
    },
    async rows() {
      await gateway.logWriter.flush();
      return (await listRequests(db, { limit: 100_000 })).reverse();
    },
    async stop() {
      await gateway.stop();
      db.client.close();
      if (!shared) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Polls until `check` passes or the deadline ends: for effects that settle asynchronously. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

export function messagesBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: "claude-opus-5-5",
    max_tokens: 1024,
    system: [
      { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.328;" },
      { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } },
    ],
    messages: [{
      role: "user",
      content: [{ type: "text", text: "hello", cache_control: { type: "ephemeral", ttl: "1h" } }],
    }],
    metadata: { user_id: JSON.stringify({ device_id: "d", account_uuid: "", session_id: "s" }) },
    context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
    future_field_gw_has_never_seen: { anything: [1, 2, 3] },
    ...overrides,
  };
}

/** A loopback port with nothing listening: for "provider is down" cases. */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
