import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import {
  ClientConnections,
  type ConnectionLimits,
  defaultMaxConnections,
  descriptorLimit,
} from "./client_connections.ts";
import { readBoundedBody } from "../proxy/read_body.ts";
import { GatewayError } from "./errors.ts";

const encoder = new TextEncoder();
const LIMITS: ConnectionLimits = {
  maxConnections: 100,
  headersTimeoutMs: 200,
  idleTimeoutMs: 300,
  bodyTimeoutMs: 300,
};

/** Reads until the server closes the socket; what it sent and how long that took. */
async function untilClosed(conn: Deno.Conn, started: number) {
  const buffer = new Uint8Array(4096);
  let text = "";
  for (;;) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) break;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  try {
    conn.close();
  } catch {
    // Closed by the peer already.
  }
  return { text, ms: Date.now() - started };
}

describe("client connections", () => {
  let server: ClientConnections | undefined;
  const seen: string[] = [];
  const start = (limits: Partial<ConnectionLimits> = {}) => {
    server = ClientConnections.listen(
      { hostname: "127.0.0.1", port: 0 },
      { ...LIMITS, ...limits },
      async (request) => {
        if (request.method !== "POST") return new Response("ok");
        if (request.url.endsWith("/refuse")) return new Response("no", { status: 413 });
        try {
          const body = await readBoundedBody(request, 1 << 20);
          return new Response(`read ${body.byteLength}`);
        } catch (error) {
          seen.push(error instanceof GatewayError ? `${error.status} ${error.message}` : "other");
          throw error;
        }
      },
      () => {},
    );
    return server.addr.port;
  };
  afterEach(async () => {
    server?.abort();
    await server?.shutdown();
    seen.length = 0;
  });

  it("closes a silent socket and one with half its headers after the header timeout", async () => {
    const port = start();
    const started = Date.now();
    const silent = await Deno.connect({ port });
    const half = await Deno.connect({ port });
    await half.write(encoder.encode("GET / HTTP/1.1\r\nhost: x\r\n"));
    const results = await Promise.all([untilClosed(silent, started), untilClosed(half, started)]);
    for (const { text, ms } of results) {
      assert.equal(text, "");
      assert.ok(ms >= 150 && ms < 2000, `closed after ${ms} ms`);
    }
    assert.equal(server!.stats.shed.headers_timeout, 2);
  });

  it("closes an idle keep-alive after the idle timeout, not while a request runs", async () => {
    const port = start();
    const conn = await Deno.connect({ port });
    const started = Date.now();
    await conn.write(encoder.encode("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
    const { text, ms } = await untilClosed(conn, started);
    assert.match(text, /^HTTP\/1.1 200/);
    assert.ok(ms >= 250 && ms < 2000, `closed after ${ms} ms`);
    assert.equal(server!.stats.shed.idle_timeout, 1);
  });

  it("cuts off a body that stops arriving and answers 408 to the handler", async () => {
    const port = start();
    const conn = await Deno.connect({ port });
    const started = Date.now();
    await conn.write(
      encoder.encode("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nonly part"),
    );
    const { ms } = await untilClosed(conn, started);
    assert.ok(ms >= 250 && ms < 2000, `closed after ${ms} ms`);
    assert.equal(server!.stats.shed.body_timeout, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(seen, ["408 Request body did not arrive in time"]);
  });

  it("answers a body cut short with a 4xx, never a gw error", async () => {
    const port = start({ bodyTimeoutMs: 10_000 });
    const conn = await Deno.connect({ port });
    await conn.write(
      encoder.encode("POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab"),
    );
    conn.closeWrite();
    await untilClosed(conn, Date.now());
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(seen.length, 1);
    assert.match(seen[0], /^4\d\d /);
  });

  it("closes the connection after refusing a body it did not read, instead of draining it", async () => {
    const port = start({ bodyTimeoutMs: 60_000 });
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 4096 * 2 ** 20) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`http://127.0.0.1:${port}/refuse`, { method: "POST", body });
    assert.equal(response.status, 413, "the client reads the refusal");
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const taken = sent;
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(sent, taken, "the upload was cut off");
    assert.ok(taken < 4096 * 2 ** 20);
  });

  it("makes room at the cap by closing the oldest idle connection", async () => {
    const port = start({ maxConnections: 3, headersTimeoutMs: 60_000 });
    const idle = [];
    for (let i = 0; i < 3; i++) idle.push(await Deno.connect({ port }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const oldestClosed = untilClosed(idle[0], Date.now());
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(await response.text(), "ok");
    await oldestClosed;
    assert.equal(server!.stats.shed.at_capacity, 1);
    for (const conn of idle.slice(1)) conn.close();
  });

  it("turns a newcomer away with a readable 503 when every connection is busy", async () => {
    const port = start({ maxConnections: 1, headersTimeoutMs: 60_000, bodyTimeoutMs: 60_000 });
    const busy = await Deno.connect({ port });
    await busy.write(encoder.encode("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("x-should-retry"), "true");
    assert.equal((await response.json()).error.type, "overloaded_error");
    assert.equal(server!.stats.refused, 1);
    busy.close();
  });
});

describe("the default connection cap", () => {
  it("keeps half of the descriptors left after a reserve, at most 10,000", () => {
    assert.equal(defaultMaxConnections(1024), 448);
    assert.equal(defaultMaxConnections(256), 64);
    assert.equal(defaultMaxConnections(1_048_576), 10_000);
    assert.equal(defaultMaxConnections(undefined), 10_000);
  });

  it("reads the soft descriptor limit the process runs under", async () => {
    const script = `import { descriptorLimit } from "${
      new URL("./client_connections.ts", import.meta.url).href
    }"; console.log(descriptorLimit());`;
    const output = await new Deno.Command("bash", {
      args: ["-c", `ulimit -n 300 && exec '${Deno.execPath()}' eval --allow-ffi '${script}'`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(output.stdout).trim(), "300");
  });
});
