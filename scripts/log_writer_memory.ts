/**
 * Memory and speed of the request-log writer over N rows (default 400,000): resident memory
 * should stay flat.
 *
 * deno run -A scripts/log_writer_memory.ts [ROWS]
 */
import { openDatabase } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { LogWriter } from "../src/logging/log_writer.ts";
import { logRow } from "../test/helpers/log_rows.ts";
const dir = await Deno.makeTempDir({ prefix: "gw-writer-" });
const db = await openDatabase(`file:${dir}/log.db`);
await migrate(db);
const writer = new LogWriter(db, {
  flushIntervalMs: 3_600_000,
  batchRows: 500,
  queueLimit: 2_000_000,
});
const rss = () =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) / 1024);
const total = Number(Deno.args[0] ?? 400_000);
for (let i = 0; i < total; i++) {
  writer.enqueue(logRow({
    id: `r${i}`,
    ts: Date.now() - (i % 1000) * 3_600_000,
    keyId: `k${i % 500}`,
    keyPrefix: "p",
    team: `t${i % 25}`,
    user: `u${i % 500}`,
    outputTokens: 1,
    costUsd: 0.01,
    latencyMs: 5,
  }));
  if (writer.stats.queued >= 50_000) {
    await writer.flush();
    const m = Deno.memoryUsage();
    console.log(
      i + 1,
      "rows, rss MB",
      rss(),
      "heap",
      Math.round(m.heapUsed / 2 ** 20),
      "ext",
      Math.round(m.external / 2 ** 20),
    );
  }
}
await writer.stop();
db.client.close();
await Deno.remove(dir, { recursive: true });
