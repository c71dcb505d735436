/**
 * A running gw: the database, caches kept fresh by polling the revision, the log writer and
 * the HTTP server, with a graceful stop that lets streams finish and flushes the log.
 */
import { Authenticator } from "../auth/authenticator.ts";
import type { Config } from "../config/schema.ts";
import { SecretBox } from "../crypto/secret_box.ts";
import type { Database } from "../db/client.ts";
import { findKeyByHash } from "../db/repos/keys_repo.ts";
import { readRevision } from "../db/repos/revision_repo.ts";
import { listRateLimits } from "../db/repos/budgets_repo.ts";
import { BudgetService } from "../limits/budget_service.ts";
import { RateLimiter } from "../limits/rate_limit.ts";
import { SqlRateStore } from "../limits/sql_rate_store.ts";
import { LogWriter } from "../logging/log_writer.ts";
import { CircuitBreakers } from "../routing/circuit_breaker.ts";
import { RouteTable } from "../routing/router.ts";
import { listRoutes } from "../db/repos/routes_repo.ts";
import { listAssignments, listPolicies } from "../db/repos/guardrails_repo.ts";
import { GuardrailEngine } from "../guardrails/guardrail_engine.ts";
import { Metrics } from "../telemetry/metrics.ts";
import { ConnectCheck } from "../proxy/connect_check.ts";
import { pruneRequests } from "../db/repos/rollups_repo.ts";
import { PriceTable } from "../usage/cost.ts";
import { BUILTIN_PRICES } from "../usage/pricing.ts";
import { createHandler, isAdmin } from "./app.ts";
import type { WorkerLink } from "./worker_link.ts";
import { mergeMetrics } from "../telemetry/metrics_merge.ts";
import { ProviderPool } from "./provider_pool.ts";
import { Readiness } from "./readiness.ts";
import { ClientConnections, defaultMaxConnections, descriptorLimit } from "./client_connections.ts";

const SERVER_BUSY_TIMEOUT_MS = 100;

export interface GatewayOptions {
  config: Config;
  db: Database;
  masterKey: string;
  adminToken: string;
  /** Set when this process is one of `gw serve --workers N`. */
  worker?: WorkerLink;
}

export class Gateway {
  readonly logWriter: LogWriter;
  readonly authenticator: Authenticator;
  readonly providers: ProviderPool;
  readonly budgets: BudgetService;
  readonly rateLimiter: RateLimiter;
  readonly breakers: CircuitBreakers;
  readonly guardrails = new GuardrailEngine();
  readonly metrics = new Metrics();
  readonly router: RouteTable;
  readonly readiness: Readiness;
  private server?: ClientConnections;
  private ownMetricsServer?: Deno.HttpServer;
  private revision = -1;
  private pollTimer?: ReturnType<typeof setInterval>;
  private pruneTimer?: ReturnType<typeof setInterval>;
  private rateTimer?: ReturnType<typeof setInterval>;

  private constructor(private readonly options: GatewayOptions, box: SecretBox) {
    const { db, config } = options;
    this.budgets = new BudgetService(db, config.budgets);
    this.rateLimiter = new RateLimiter(new SqlRateStore(db, this.budgets.leases.holder));
    this.logWriter = new LogWriter(db, {
      ...config.log,
      leaseHolder: this.budgets.leases.holder,
      onCommitted: (spend) => this.budgets.markCommitted(spend),
    });
    this.authenticator = new Authenticator((hash) => findKeyByHash(db, hash));
    this.providers = new ProviderPool(db, box, config.upstream.connectTimeoutMs);
    this.breakers = new CircuitBreakers({
      failureThreshold: config.routing.circuitFailureThreshold,
      cooldownMs: config.routing.circuitCooldownMs,
    });
    this.router = new RouteTable(() => this.providers.providers, this.breakers);
    this.readiness = new Readiness(db, {
      logFailingSince: () => this.logWriter.stats.failingSince,
    });
  }

  static async create(options: GatewayOptions): Promise<Gateway> {
    // The embedded driver waits for a lock synchronously, freezing every request meanwhile: a
    // server waits briefly and retries later (the log writer keeps its rows queued), where the
    // CLI may wait seconds.
    if (options.db.local) {
      await options.db.client.execute(`PRAGMA busy_timeout = ${SERVER_BUSY_TIMEOUT_MS}`);
    }
    const gateway = new Gateway(options, await SecretBox.fromMasterKey(options.masterKey));
    await gateway.refresh();
    await gateway.budgets.refreshSpend();
    return gateway;
  }

  get url(): string {
    const { hostname, port } = this.server!.addr;
    const host = hostname === "0.0.0.0"
      ? "127.0.0.1"
      : hostname.includes(":")
      ? `[${hostname}]`
      : hostname;
    return `http://${host}:${port}`;
  }

  /** Reloads keys and providers when another process changed them. */
  async refresh(): Promise<void> {
    const revision = await readRevision(this.options.db);
    if (revision === this.revision) return;
    this.authenticator.invalidate();
    await this.providers.reload();
    await this.budgets.reloadBudgets();
    this.rateLimiter.setLimits(await listRateLimits(this.options.db));
    this.router.setRoutes(await listRoutes(this.options.db));
    this.guardrails.set(
      await listPolicies(this.options.db),
      await listAssignments(this.options.db),
    );
    this.revision = revision;
  }

  handler(): (request: Request, info: Deno.ServeHandlerInfo) => Promise<Response> {
    const { config, db } = this.options;
    const pricing = new PriceTable(config.pricing, config.fallbackPrice);
    return createHandler({
      config,
      authenticator: this.authenticator,
      router: this.router,
      breakers: this.breakers,
      connectCheck: new ConnectCheck(config.upstream.connectTimeoutMs),
      pricing,
      budgets: this.budgets,
      guardrails: this.guardrails,
      rateLimiter: this.rateLimiter,
      log: (row, spend) => {
        this.metrics.observe(row);
        this.logWriter.enqueue(row, spend);
      },
      authRefusals: this.metrics.authRefusals,
      adminToken: this.options.adminToken,
      signIn: config.signIn.enabled
        ? {
          db,
          authenticator: this.authenticator,
          keyTtlDays: config.signIn.keyTtlDays,
          codeTtlSeconds: config.signIn.codeTtlSeconds,
          maxPendingCodes: config.signIn.maxPendingCodes,
        }
        : undefined,
      admin: {
        db,
        circuits: () => this.breakers.snapshot(),
        timeZone: config.budgets.timeZone,
        authRefusals: this.metrics.authRefusals,
      },
      metrics: () => this.workerMetrics(),
      modelCatalog: () => Object.keys(BUILTIN_PRICES),
      ready: () => this.readiness.reasons(),
    });
  }

  /** This process's metrics. */
  ownMetrics(): string {
    return this.metrics.render({
      logQueueDepth: this.logWriter.stats.queued,
      logRowsDropped: this.logWriter.stats.dropped,
      logRowsWritten: this.logWriter.stats.written,
      logRowsQuarantined: this.logWriter.stats.quarantined,
      circuits: this.breakers.snapshot(),
      connections: this.server?.stats,
      budgets: this.budgets.utilisation().map(({ budget, member, fraction }) => ({
        scope: budget.scope,
        value: budget.value,
        period: budget.period,
        member,
        fraction,
      })),
    });
  }

  /** Every worker's metrics, summed, when this process is one of several; else its own. */
  private async workerMetrics(): Promise<string> {
    const { worker, adminToken } = this.options;
    if (!worker) return this.ownMetrics();
    const texts = await worker.gather(this.ownMetrics(), adminToken);
    return mergeMetrics(texts, { restarts: worker.roster.restarts });
  }

  /** Starts listening; resolves once the port is bound. */
  start(): Promise<void> {
    const { config } = this.options;
    this.logWriter.start();
    this.budgets.start();
    this.rateTimer = setInterval(() => {
      this.rateLimiter.renew().catch((error) =>
        console.error(`gw: renewing running-request counts failed: ${error}`)
      );
    }, 5000);
    if (config.log.retentionDays > 0) {
      const prune = () =>
        pruneRequests(this.options.db, Date.now() - config.log.retentionDays * 86_400_000)
          .catch((error) => console.error(`gw: pruning old request rows failed: ${error}`));
      this.pruneTimer = setInterval(prune, 3_600_000);
    }
    this.pollTimer = setInterval(() => {
      this.refresh().catch((error) =>
        console.error(`gw: refreshing from the database failed: ${error}`)
      );
    }, config.refreshIntervalMs);
    this.readiness.watch(config.refreshIntervalMs);
    const { maxConnections, headersTimeoutMs, idleTimeoutMs, bodyTimeoutMs } = config.server;
    const { worker, adminToken } = this.options;
    if (worker) {
      this.ownMetricsServer = worker.serveOwnMetrics(
        () => this.ownMetrics(),
        (headers) => isAdmin(headers, adminToken),
      );
    }
    this.server = ClientConnections.listen(
      { hostname: config.host, port: config.port, reusePort: worker !== undefined },
      {
        maxConnections: maxConnections || defaultMaxConnections(descriptorLimit()),
        headersTimeoutMs,
        idleTimeoutMs,
        bodyTimeoutMs,
      },
      this.handler(),
    );
    return Promise.resolve();
  }

  /** Stops accepting, waits up to the grace period for in-flight responses, flushes the log. */
  async stop(): Promise<void> {
    clearInterval(this.pollTimer);
    clearInterval(this.pruneTimer);
    clearInterval(this.rateTimer);
    this.readiness.stop();
    this.budgets.stop();
    if (this.server) {
      const grace = this.options.config.shutdownGraceMs;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.server.shutdown(),
        new Promise((resolve) => timer = setTimeout(resolve, grace)),
      ]);
      clearTimeout(timer);
      this.server.abort();
    }
    await this.ownMetricsServer?.shutdown();
    await this.logWriter.stop();
  }
}
