/** What the proxy routes need from the running gw; tests build it from real parts. */
import type { Authenticator } from "../auth/authenticator.ts";
import type { Config } from "../config/schema.ts";
import type { RequestLog } from "../logging/request_log.ts";
import type { Router } from "../routing/router.ts";
import type { PriceTable } from "../usage/cost.ts";

export interface ProxyDeps {
  config: Pick<Config, "maxBodyBytes" | "upstream">;
  authenticator: Authenticator;
  router: Router;
  pricing: PriceTable;
  log: (row: RequestLog) => void;
  /** Model ids `GET /v1/models` offers before the key's globs filter them. */
  modelCatalog: () => readonly string[];
}
