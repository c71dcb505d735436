/** What the proxy routes need from the running gw; tests build it from real parts. */
import type { Authenticator } from "../auth/authenticator.ts";
import type { Config } from "../config/schema.ts";
import type { BudgetService } from "../limits/budget_service.ts";
import type { GuardrailEngine } from "../guardrails/guardrail_engine.ts";
import type { RateLimiter } from "../limits/rate_limit.ts";
import type { SpendIncrement } from "../limits/spend_ledger.ts";
import type { RequestLog } from "../logging/request_log.ts";
import type { CircuitBreakers } from "../routing/circuit_breaker.ts";
import type { ConnectCheck } from "./connect_check.ts";
import type { Router } from "../routing/router.ts";
import type { PriceTable } from "../usage/cost.ts";
import type { AuthRefusals } from "../telemetry/auth_refusals.ts";

export interface ProxyDeps {
  config: Pick<Config, "maxBodyBytes" | "upstream" | "budgets" | "routing">;
  authenticator: Authenticator;
  router: Router;
  breakers: CircuitBreakers;
  connectCheck: ConnectCheck;
  pricing: PriceTable;
  budgets: BudgetService;
  guardrails: GuardrailEngine;
  rateLimiter: RateLimiter;
  log: (row: RequestLog, spend: SpendIncrement[]) => void;
  /** Where requests without a usable key are counted: they get no log row. */
  authRefusals: AuthRefusals;
  /** Model ids `GET /v1/models` offers before the key's globs filter them. */
  modelCatalog: () => readonly string[];
}
