/**
 * The runtime's HTTP engine on one accepted connection. Deno has it (`serveHttpOnConnection`,
 * what `Deno.serve` runs per listener, kept for its Node compatibility layer) but does not
 * export it; gw reaches it through `Deno[Deno.internal]`, pinned to the Deno version in
 * deno.json and checked by `client_connections_test.ts`, so an upgrade that moves it fails the
 * tests instead of the server.
 */

import { errorResponse } from "./errors.ts";
import { newId } from "../db/ids.ts";

export interface ConnectionServer {
  /** Settles when the connection has closed. */
  finished: Promise<void>;
  /** Finishes running requests, then closes. */
  shutdown(): Promise<void>;
}

type Handler = (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

type ServeHttpOnConnection = (
  connection: Deno.Conn,
  signal: AbortSignal,
  handler: Handler,
  onError: (error: unknown) => Response,
  onListen: () => void,
) => ConnectionServer;

function engine(): ServeHttpOnConnection {
  const internal = (Deno as unknown as { internal: symbol }).internal;
  const internals = (Deno as unknown as Record<symbol, Record<string, unknown>>)[internal];
  const serve = internals?.serveHttpOnConnection;
  if (typeof serve !== "function") {
    throw new Error(`This Deno (${Deno.version.deno}) has no serveHttpOnConnection`);
  }
  return serve as ServeHttpOnConnection;
}

const serveHttpOnConnection = engine();

/** What a handler that threw answers; gw's handlers catch their own errors before this. */
function internalError(): Response {
  return errorResponse(new Error("unhandled"), newId("req"));
}

/**
 * Serves HTTP/1.1 on `conn` until it closes; aborting `signal` closes it at once.
 *
 * @example
 * const served = serveOnConnection(await listener.accept(), abort.signal, handler);
 * await served.finished;
 */
export function serveOnConnection(
  conn: Deno.Conn,
  signal: AbortSignal,
  handler: Handler,
): ConnectionServer {
  return serveHttpOnConnection(conn, signal, handler, internalError, () => {});
}
