/**
 * A worker's line to its supervisor (worker_supervisor.ts). The supervisor writes one JSON line
 * to the worker's stdin whenever the set of workers changes: where each sibling serves its own
 * metrics, and how often each was restarted. When stdin ends the supervisor is gone, and the
 * worker drains and exits rather than serve on as an orphan.
 */

export interface Sibling {
  worker: number;
  /** Loopback port of the sibling's own-metrics listener. */
  port: number;
}

export interface WorkerRoster {
  siblings: Sibling[];
  restarts: number[];
}

/** What a worker prints on stdout for the supervisor to find its own-metrics port. */
export const METRICS_PORT_LINE = "gw-worker metrics-port";

export class WorkerLink {
  roster: WorkerRoster = { siblings: [], restarts: [] };

  constructor(readonly worker: number) {}

  /** Reads roster lines until stdin ends, then calls `onOrphaned`. */
  async follow(stdin: ReadableStream<Uint8Array>, onOrphaned: () => void): Promise<void> {
    let pending = "";
    try {
      for await (const chunk of stdin.pipeThrough(new TextDecoderStream())) {
        pending += chunk;
        let newline;
        while ((newline = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          try {
            this.roster = JSON.parse(line) as WorkerRoster;
          } catch {
            // Not a roster line: ignore it.
          }
        }
      }
    } finally {
      onOrphaned();
    }
  }

  /**
   * Serves this worker's own metrics on a loopback port for its siblings, behind the admin
   * token, and tells the supervisor the port.
   */
  serveOwnMetrics(render: () => string, isAdmin: (headers: Headers) => boolean): Deno.HttpServer {
    return Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) => console.log(`${METRICS_PORT_LINE} ${this.worker} ${port}`),
    }, (request) => {
      if (!isAdmin(request.headers)) return new Response(null, { status: 401 });
      return new Response(render(), { headers: { "content-type": "text/plain; version=0.0.4" } });
    });
  }

  /** Every worker's metrics text: this one's, and each sibling's within a second. */
  async gather(
    own: string,
    adminToken: string,
  ): Promise<{ worker: number; text: string | undefined }[]> {
    const others = this.roster.siblings.filter((sibling) => sibling.worker !== this.worker);
    const fetched = await Promise.all(others.map(async (sibling) => {
      try {
        const response = await fetch(`http://127.0.0.1:${sibling.port}/`, {
          headers: { authorization: `Bearer ${adminToken}` },
          signal: AbortSignal.timeout(1000),
        });
        return { worker: sibling.worker, text: response.ok ? await response.text() : undefined };
      } catch {
        return { worker: sibling.worker, text: undefined };
      }
    }));
    return [{ worker: this.worker, text: own }, ...fetched].sort((a, b) => a.worker - b.worker);
  }
}
