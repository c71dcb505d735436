/**
 * `gw --dashboard`: a live terminal view refreshed every second, drawn with blessed. Without a
 * TTY (or with TERM=dumb, where blessed garbles output) it prints one plain-text snapshot. When
 * the source fails it shows "disconnected" and keeps retrying.
 */
import { renderSnapshot } from "./render.ts";
import type { Snapshot } from "./snapshot.ts";
import type { SnapshotSource } from "./sources.ts";

const REFRESH_MS = 1000;

export async function runDashboard(source: SnapshotSource): Promise<void> {
  if (!Deno.stdout.isTerminal() || (Deno.env.get("TERM") ?? "dumb") === "dumb") {
    console.log(renderSnapshot(await source(), 100, 60).join("\n"));
    return;
  }
  // blessed sets __proto__, which Deno allows only with --unstable-unsafe-proto (deno.json).
  const { default: blessed } = await import("blessed");
  const screen = blessed.screen({ smartCSR: true, title: "gw dashboard", fullUnicode: true });
  const body = blessed.box({ top: 0, left: 0, width: "100%", height: "100%", tags: false });
  screen.append(body);
  let last: Snapshot | undefined;
  let status = "connecting";
  const draw = () => {
    const width = Number(screen.width);
    const height = Number(screen.height);
    body.setContent(
      last ? renderSnapshot(last, width, height, status).join("\n") : `gw dashboard  ${status}`,
    );
    screen.render();
  };
  let stopped = false;
  const done = new Promise<void>((resolve) => {
    screen.key(["q", "C-c"], () => {
      stopped = true;
      screen.destroy();
      resolve();
    });
  });
  screen.on("resize", draw);
  const tick = async () => {
    const wasLive = status === "live";
    try {
      last = await source();
      status = "live";
    } catch (error) {
      status = `disconnected (${(error as Error).message.slice(0, 60)}), retrying`;
    }
    if (stopped) return;
    // blessed redraws only the cells it believes changed; when the state flips, repaint every
    // cell so a terminal that drifted from blessed's picture cannot hide the new state.
    if (wasLive !== (status === "live")) screen.realloc();
    draw();
  };
  await tick();
  const timer = setInterval(tick, REFRESH_MS);
  await done;
  clearInterval(timer);
}
