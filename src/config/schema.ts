/**
 * Every setting gw reads, with its default. The config file is JSON checked against this
 * strict schema, so a typo names the bad path instead of being ignored.
 */
import { z } from "zod";

const price = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheWrite5m: z.number().nonnegative(),
  cacheWrite1h: z.number().nonnegative(),
  cacheRead: z.number().nonnegative(),
});

const priceEntry = z.union([
  price,
  z.strictObject({ base: price, aboveTokens: z.number().int().positive(), above: price }),
]);

export const configSchema = z.strictObject({
  host: z.string().default("0.0.0.0"),
  port: z.number().int().min(0).max(65535).default(8787),
  dbUrl: z.string().default("file:gw.db"),
  dbAuthToken: z.string().optional(),
  /** Where the admin token and master key files live; defaults to the DB file's folder. */
  dataDir: z.string().optional(),
  masterKey: z.string().optional(),
  /** Blank would let a blank bearer in: refused here rather than guarded everywhere. */
  adminToken: z.string().trim().min(1, "must not be empty").optional(),
  maxBodyBytes: z.number().int().positive().default(32 * 1024 * 1024),
  /** Worker processes `gw serve` runs on one port; 0 runs one per CPU core. */
  workers: z.number().int().min(0).max(256).default(0),
  /** Client connections: what a silent or idle socket may hold, and how many may be open. */
  server: z.strictObject({
    /** Open client connections at most; 0 derives it from the descriptor limit (≤ 10,000). */
    maxConnections: z.number().int().nonnegative().default(0),
    /** A new connection must send a request's headers within this. */
    headersTimeoutMs: z.number().int().positive().default(10_000),
    /** A keep-alive connection with no request running is closed after this. */
    idleTimeoutMs: z.number().int().positive().default(25_000),
    /** A request body must have arrived whole within this. */
    bodyTimeoutMs: z.number().int().positive().default(60_000),
  }).prefault({}),
  pricing: z.record(z.string(), priceEntry).default({}),
  fallbackPrice: price.default({
    input: 5,
    output: 25,
    cacheWrite5m: 6.25,
    cacheWrite1h: 10,
    cacheRead: 0.5,
  }),
  upstream: z.strictObject({
    /** A host not heard from in the last minute must accept a TCP connection this fast. */
    connectTimeoutMs: z.number().int().positive().default(10_000),
    /** Until the response headers arrive: large prompts legitimately take minutes. */
    firstByteTimeoutMs: z.number().int().positive().default(300_000),
    /** Longest silence between two chunks of a response. */
    idleTimeoutMs: z.number().int().positive().default(300_000),
  }).default({ connectTimeoutMs: 10_000, firstByteTimeoutMs: 300_000, idleTimeoutMs: 300_000 }),
  log: z.strictObject({
    flushIntervalMs: z.number().int().positive().default(250),
    // 33 columns a row: 900 rows stay under SQLite's 32766 bound variables per statement.
    batchRows: z.number().int().positive().max(900).default(500),
    /** Rows held in memory while the DB is slow or down; beyond it rows are counted as dropped. */
    queueLimit: z.number().int().positive().default(200_000),
    /** Raw rows older than this are pruned hourly; hourly rollups are kept. 0 keeps everything. */
    retentionDays: z.number().int().nonnegative().default(90),
  }).default({ flushIntervalMs: 250, batchRows: 500, queueLimit: 200_000, retentionDays: 90 }),
  routing: z.strictObject({
    /** Attempts per request across all targets, the first included. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** No new attempt starts after this long. */
    deadlineMs: z.number().int().positive().default(60_000),
    /** A `retry-after` longer than this is passed to the client instead of waited out. */
    maxRetryAfterMs: z.number().int().nonnegative().default(5_000),
    circuitFailureThreshold: z.number().int().positive().default(5),
    circuitCooldownMs: z.number().int().positive().default(30_000),
  }).default({
    maxAttempts: 3,
    deadlineMs: 60_000,
    maxRetryAfterMs: 5_000,
    circuitFailureThreshold: 5,
    circuitCooldownMs: 30_000,
  }),
  budgets: z.strictObject({
    /** Calendar for day, week and month periods, e.g. "Europe/Berlin". */
    timeZone: z.string().default("UTC"),
    /** How often spend is re-read, so instances see each other's spend. */
    refreshMs: z.number().int().positive().default(500),
    staleAfterMs: z.number().int().positive().default(10_000),
    /** With the database unreadable: "open" lets requests through, "closed" refuses them. */
    failMode: z.enum(["open", "closed"]).default("open"),
    /** Output tokens a hard budget holds for a request that gives no usable max_tokens. */
    outputEstimateTokens: z.number().int().positive().default(4000),
  }).default({
    timeZone: "UTC",
    refreshMs: 500,
    staleAfterMs: 10_000,
    failMode: "open",
    outputEstimateTokens: 4000,
  }),
  /** Claude Code's gateway sign-in (`/login`, OAuth device flow). */
  signIn: z.strictObject({
    enabled: z.boolean().default(true),
    /** Life of a key issued by a sign-in (never beyond the approving key's expiry). */
    keyTtlDays: z.number().positive().default(30),
    /** How long a started sign-in waits for approval. */
    codeTtlSeconds: z.number().int().positive().default(600),
    /** Sign-ins waiting for approval at most: anyone may start one, so their rows are capped. */
    maxPendingCodes: z.number().int().positive().default(10_000),
  }).default({ enabled: true, keyTtlDays: 30, codeTtlSeconds: 600, maxPendingCodes: 10_000 }),
  /** How often each instance checks the DB for key, team and provider changes. */
  refreshIntervalMs: z.number().int().positive().default(1000),
  shutdownGraceMs: z.number().int().nonnegative().default(30_000),
});

export type Config = z.infer<typeof configSchema>;
