/**
 * gw's own accept loop in front of the runtime's HTTP engine. `Deno.serve` owns its sockets and
 * offers no timeouts and no way to close a connection: silent sockets and idle keep-alives stay
 * open for minutes, and when they exhaust the process's file descriptors its accept loop rejects
 * and ends the process. Here gw accepts each TCP connection itself, hands it to the same engine
 * (hyper, through the runtime's `serveHttpOnConnection`), and so knows every connection: when it
 * arrived, whether a request is running on it, when it last finished one. That buys:
 * - a header timeout (a connection that has not sent a request), an idle keep-alive timeout;
 * - a cap on open connections below the descriptor limit; at the cap the connections doing no
 *   work are closed, oldest first, to make room, and only when none is idle is a newcomer
 *   turned away (with a 503 it can read);
 * - an accept loop that survives running out of descriptors (it sheds and retries).
 */
import { type BodyClock, lendBodyClock } from "../proxy/body_clock.ts";
import { serveOnConnection } from "./serve_on_connection.ts";
import { errorBody } from "./errors.ts";

export interface ConnectionLimits {
  /** Open client connections at most; past it idle ones are closed to make room. */
  maxConnections: number;
  /** A connection must send its first request's headers within this. */
  headersTimeoutMs: number;
  /** A keep-alive connection with no request running is closed after this. */
  idleTimeoutMs: number;
  /** A request body must arrive whole within this, or its connection is closed. */
  bodyTimeoutMs: number;
}

export type ShedReason =
  | "headers_timeout"
  | "idle_timeout"
  | "body_timeout"
  | "at_capacity"
  | "out_of_descriptors";

export interface ConnectionStats {
  open: number;
  accepted: number;
  /** Connections gw closed because they did no work, by why. */
  shed: Record<ShedReason, number>;
  /** Newcomers turned away with a 503 because every open connection was busy. */
  refused: number;
  /** Accepts that failed because the process had no descriptor left. */
  acceptErrors: number;
}

type Handler = (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

interface Client {
  readonly close: AbortController;
  readonly serving: { shutdown(): Promise<void>; finished: Promise<void> };
  /** Requests running now. */
  active: number;
  served: number;
  /** When it last became idle (accept time before its first request). */
  idleSince: number;
  /** Set when a refused body is being drained: the connection closes then. */
  closeAt: number;
  /** HTTP/1.1 runs one request at a time on a connection, so one clock serves them all. */
  body: BodyClock;
}

/**
 * How often deadlines are checked: a coarse sweep costs nothing per request, and a deadline is
 * met within a quarter of the shortest one (at most a second late).
 */
function sweepInterval(limits: ConnectionLimits): number {
  const shortest = Math.min(limits.headersTimeoutMs, limits.idleTimeoutMs, limits.bodyTimeoutMs);
  return Math.max(25, Math.min(1000, Math.floor(shortest / 4)));
}
/** How long a refused, unread body may keep arriving after the answer went out. */
const LINGER_MS = 1000;
/** Written raw on a connection gw will not serve: no request was read from it. */
const BUSY_BODY = errorBody("overloaded_error", "gw is at its connection limit; retry shortly", "");
const BUSY_RESPONSE = new TextEncoder().encode(
  "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nx-should-retry: true\r\n" +
    `retry-after: 1\r\nconnection: close\r\ncontent-length: ${BUSY_BODY.length}\r\n\r\n` +
    BUSY_BODY,
);

/** Linux's RLIMIT_NOFILE. */
const RLIMIT_NOFILE = 7;

/**
 * Descriptors the process may open (the soft limit), from libc's `getrlimit`: Deno allows
 * reading `/proc/self/limits` only with every permission. Undefined where libc is not glibc
 * on Linux or the call fails.
 */
export function descriptorLimit(): number | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    const libc = Deno.dlopen("libc.so.6", {
      getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
    });
    try {
      const limits = new BigUint64Array(2);
      if (libc.symbols.getrlimit(RLIMIT_NOFILE, new Uint8Array(limits.buffer)) !== 0) return;
      // RLIM_INFINITY is all ones: no limit to stay under.
      return limits[0] > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(limits[0]);
    } finally {
      libc.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * The default cap: half the descriptors left after a reserve for the database, upstream pools
 * and logs (each client connection may hold one upstream connection), at most 10,000.
 *
 * @example
 * defaultMaxConnections(descriptorLimit()); // 448 at `ulimit -n 1024`
 */
export function defaultMaxConnections(limit: number | undefined): number {
  if (limit === undefined) return 10_000;
  return Math.max(16, Math.min(10_000, Math.floor((limit - 128) / 2)));
}

/**
 * Serves `handler` on a TCP port with gw's connection limits.
 *
 * @example
 * const server = ClientConnections.listen({ hostname: "0.0.0.0", port: 8787 }, limits, handler);
 * await server.shutdown();
 */
export class ClientConnections {
  readonly stats: ConnectionStats = {
    open: 0,
    accepted: 0,
    shed: {
      headers_timeout: 0,
      idle_timeout: 0,
      body_timeout: 0,
      at_capacity: 0,
      out_of_descriptors: 0,
    },
    refused: 0,
    acceptErrors: 0,
  };
  // Insertion order is accept order: iteration visits the oldest first.
  private readonly clients = new Map<number, Client>();
  private nextId = 0;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly acceptLoop: Promise<void>;
  private closing = false;
  private lastReport = 0;

  private constructor(
    private readonly listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>,
    private readonly limits: ConnectionLimits,
    private readonly handler: Handler,
    private readonly report: (message: string) => void,
  ) {
    this.sweeper = setInterval(() => this.sweep(Date.now()), sweepInterval(limits));
    this.acceptLoop = this.accept();
  }

  static listen(
    address: { hostname: string; port: number; reusePort?: boolean },
    limits: ConnectionLimits,
    handler: Handler,
    report: (message: string) => void = (message) => console.error(message),
  ): ClientConnections {
    const listener = Deno.listen({ transport: "tcp", ...address });
    return new ClientConnections(listener, limits, handler, report);
  }

  get addr(): Deno.NetAddr {
    return this.listener.addr;
  }

  /** Stops accepting, lets running requests finish, closes idle connections at once. */
  async shutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    try {
      this.listener.close();
    } catch {
      // Already closed.
    }
    await this.acceptLoop;
    await Promise.all([...this.clients.values()].map((client) => client.serving.shutdown()));
  }

  /** Closes every connection now, running requests included. */
  abort(): void {
    for (const client of this.clients.values()) client.close.abort();
  }

  private async accept(): Promise<void> {
    while (!this.closing) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.listener.accept();
      } catch (error) {
        if (this.closing) return;
        // Out of descriptors (or another transient accept failure): free what does no work,
        // then try again; the pending connection waits in the kernel's backlog meanwhile.
        this.stats.acceptErrors++;
        const freed = this.shedIdle(
          Math.max(1, Math.ceil(this.clients.size / 100)),
          "out_of_descriptors",
        );
        this.warn(
          `gw: accepting a connection failed (${(error as Error).message}); closed ${freed} idle`,
        );
        if (freed === 0) await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      this.stats.accepted++;
      if (
        this.clients.size >= this.limits.maxConnections && this.shedIdle(1, "at_capacity") === 0
      ) {
        this.stats.refused++;
        this.warn(
          `gw: at the connection limit (${this.limits.maxConnections}) with every connection busy`,
        );
        conn.write(BUSY_RESPONSE).catch(() => {}).finally(() => conn.close());
        continue;
      }
      this.serve(conn);
    }
  }

  private serve(conn: Deno.TcpConn): void {
    const id = this.nextId++;
    const close = new AbortController();
    // Requests arrive after the record below exists: the closures only run then.
    let client: Client;
    const handler = this.handler;
    // Settles when the response has been sent or the client left; runs once per request.
    const done = () => {
      client.active--;
      client.served++;
      if (client.active === 0) client.idleSince = Date.now();
      // Closing at once would reset the socket before the client has read the refusal.
      if (client.body.unread) client.closeAt = Date.now() + LINGER_MS;
    };
    const serving = serveOnConnection(conn, close.signal, (request, info) => {
      client.active++;
      const length = request.headers.get("content-length");
      client.body.unread = length === null
        ? request.headers.has("transfer-encoding")
        : length !== "0";
      lendBodyClock(request, client.body);
      info.completed.then(done, done);
      return handler(request, info);
    });
    client = {
      close,
      serving,
      active: 0,
      served: 0,
      idleSince: Date.now(),
      closeAt: 0,
      body: { readingSince: 0, timedOut: false, unread: false },
    };
    this.clients.set(id, client);
    this.stats.open = this.clients.size;
    serving.finished.catch(() => {}).finally(() => {
      this.clients.delete(id);
      this.stats.open = this.clients.size;
    });
  }

  private sweep(now: number): void {
    for (const client of this.clients.values()) {
      if (client.active > 0) {
        const reading = client.body.readingSince;
        if (reading > 0 && now - reading >= this.limits.bodyTimeoutMs) {
          this.stats.shed.body_timeout++;
          client.body.timedOut = true;
          client.close.abort();
        }
        continue;
      }
      if (client.closeAt > 0 && now >= client.closeAt) {
        client.close.abort();
        continue;
      }
      const idle = now - client.idleSince;
      if (client.served === 0 && idle >= this.limits.headersTimeoutMs) {
        this.stats.shed.headers_timeout++;
        client.close.abort();
      } else if (client.served > 0 && idle >= this.limits.idleTimeoutMs) {
        this.stats.shed.idle_timeout++;
        client.close.abort();
      }
    }
  }

  /** Closes up to `count` connections with no request running, oldest first. */
  private shedIdle(count: number, reason: ShedReason): number {
    let freed = 0;
    for (const [id, client] of this.clients) {
      if (freed >= count) break;
      if (client.active > 0) continue;
      client.close.abort();
      // Forget it now: its `finished` settles later, and the cap must count it as gone.
      this.clients.delete(id);
      freed++;
    }
    this.stats.shed[reason] += freed;
    this.stats.open = this.clients.size;
    return freed;
  }

  /** At most one line a second: a flood must not turn into a flood of log lines. */
  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastReport < 1000) return;
    this.lastReport = now;
    this.report(message);
  }
}
