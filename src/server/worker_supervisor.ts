/**
 * `gw serve --workers N`: N worker processes of this same executable serve one port (each binds
 * it with SO_REUSEPORT and the kernel spreads connections), on one database; this parent only
 * supervises. It restarts a worker that dies (backing off while one keeps crashing), forwards
 * SIGTERM/SIGINT so every worker drains and flushes its log, and keeps each worker told where
 * its siblings serve their own metrics, so `/metrics` on any worker reports every worker.
 */
import { METRICS_PORT_LINE, type WorkerRoster } from "./worker_link.ts";

export interface SupervisorOptions {
  workers: number;
  host: string;
  port: number;
  /** The command that starts one worker (this executable and its arguments). */
  command: { program: string; args: string[] };
  env?: Record<string, string>;
  report?: (message: string) => void;
}

interface Slot {
  child?: Deno.ChildProcess;
  stdin?: WritableStreamDefaultWriter<Uint8Array>;
  metricsPort?: number;
  restarts: number;
  /** Crashes in a row without a minute of good service: the restart backoff grows with it. */
  crashes: number;
  startedAt: number;
  listened?: boolean;
}

/** The command that runs this program again: the compiled binary itself, or Deno on main.ts. */
export function selfCommand(): { program: string; args: string[] } {
  const program = Deno.execPath();
  const isDeno = /(^|\/)deno(\.exe)?$/.test(program);
  if (!isDeno) return { program, args: [...Deno.args] };
  const config = new URL("../../deno.json", import.meta.url).pathname;
  return {
    program,
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      "--config",
      config,
      new URL(Deno.mainModule).pathname,
      ...Deno.args,
    ],
  };
}

/** A free port to hand every worker when the configuration asks for any (port 0). */
function freePort(host: string): number {
  const probe = Deno.listen({ hostname: host, port: 0 });
  const { port } = probe.addr as Deno.NetAddr;
  probe.close();
  return port;
}

export class WorkerSupervisor {
  readonly port: number;
  private readonly slots: Slot[];
  private stopping = false;
  private readonly report: (message: string) => void;

  constructor(private readonly options: SupervisorOptions) {
    this.port = options.port || freePort(options.host);
    this.report = options.report ?? ((message) => console.error(message));
    this.slots = Array.from({ length: options.workers }, () => ({
      restarts: 0,
      crashes: 0,
      startedAt: 0,
    }));
  }

  /** Starts every worker; resolves once all of them listen, throws if one cannot start. */
  async start(): Promise<void> {
    const ready = this.slots.map((_, worker) => this.spawn(worker));
    try {
      await Promise.all(ready);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Asks every worker to drain and flush, and waits for them all to exit. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<boolean> {
    this.stopping = true;
    const statuses = await Promise.all(this.slots.map(async (slot) => {
      if (!slot.child) return true;
      try {
        slot.child.kill(signal);
      } catch {
        // Already gone.
      }
      return (await slot.child.status).success;
    }));
    return statuses.every(Boolean);
  }

  private spawn(worker: number): Promise<void> {
    const slot = this.slots[worker];
    const child = new Deno.Command(this.options.command.program, {
      args: this.options.command.args,
      env: {
        ...this.options.env,
        GW_WORKER: String(worker),
        GW_WORKER_PORT: String(this.port),
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    slot.child = child;
    slot.stdin = child.stdin.getWriter();
    slot.metricsPort = undefined;
    slot.startedAt = Date.now();
    let listening: () => void;
    let failed: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      listening = resolve;
      failed = reject;
    });
    slot.listened = false;
    void this.relay(worker, child, () => {
      slot.listened = true;
      listening();
    });
    void child.status.then((status) => {
      // Before it listened, a start failure (a bad config, a taken port): give up, no loop.
      failed(
        new Error(
          `worker ${worker} exited before listening (${status.signal ?? `code ${status.code}`})`,
        ),
      );
      if (this.stopping || !slot.listened) return;
      this.report(
        `gw: worker ${worker} exited (${status.signal ?? `code ${status.code}`}); restarting`,
      );
      if (Date.now() - slot.startedAt > 60_000) slot.crashes = 0;
      slot.crashes++;
      slot.restarts++;
      const backoff = Math.min(30_000, 250 * 2 ** Math.min(slot.crashes - 1, 7));
      setTimeout(() => {
        if (!this.stopping) void this.spawn(worker);
      }, backoff);
    });
    return ready;
  }

  /** Forwards a worker's stdout, picking out its own-metrics port and its readiness. */
  private async relay(worker: number, child: Deno.ChildProcess, onListening: () => void) {
    let pending = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.startsWith(METRICS_PORT_LINE)) {
          this.slots[worker].metricsPort = Number(line.split(" ").at(-1));
          void this.broadcast();
        } else if (line.startsWith("gw listening on ")) {
          onListening();
        } else {
          console.log(`[worker ${worker}] ${line}`);
        }
      }
    }
  }

  /** Tells every worker where its siblings are and how often each was restarted. */
  private async broadcast(): Promise<void> {
    const roster: WorkerRoster = {
      siblings: this.slots.flatMap((slot, worker) =>
        slot.metricsPort === undefined ? [] : [{ worker, port: slot.metricsPort }]
      ),
      restarts: this.slots.map((slot) => slot.restarts),
    };
    const line = new TextEncoder().encode(JSON.stringify(roster) + "\n");
    await Promise.all(this.slots.map((slot) => slot.stdin?.write(line).catch(() => {})));
  }
}
