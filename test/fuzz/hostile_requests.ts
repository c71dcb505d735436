/**
 * A seeded generator of malformed and hostile requests across every route gw serves, and a
 * runner that sends them to a gw and checks what must hold whatever comes in: no gw-made 5xx,
 * an answer within a deadline, Anthropic-format JSON on the API paths, and a process that
 * stays up. Used by the test suite (a bounded count) and by `scripts/fuzz.ts` (longer runs).
 */

export function rng(seed: number): () => number {
  let state = seed >>> 0;
  // Mulberry32: small, fast and well spread, so a seed reproduces a failing run exactly.
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export interface FuzzTarget {
  url: string;
  /** A valid gw key, so requests reach the body parser and beyond. */
  key: string;
  adminToken: string;
}

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
  /** Sent over a raw socket: framing a fetch client would never produce. */
  raw?: Uint8Array;
}

const MODEL = "claude-opus-5-5";
const VALID = { model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "hi" }] };

function nested(depth: number): string {
  return `{"model":"${MODEL}","max_tokens":5,"messages":[{"role":"assistant","content":[` +
    `{"type":"tool_use","id":"t","name":"x","input":${"[".repeat(depth)}"x"${
      "]".repeat(depth)
    }}]}]}`;
}

export function hostileRequests(seed: number, target: FuzzTarget): () => HostileRequest {
  const random = rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const junk = (n: number) =>
    Array.from({ length: n }, () => String.fromCharCode(Math.floor(random() * 0x3000))).join("");
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const valid = JSON.stringify(VALID);
  const segment = () =>
    pick([
      "%E0%A4%A",
      "%",
      "%zz",
      encodeURIComponent(junk(8)),
      "us.anthropic.claude-opus-5-5",
      "claude-opus-5-5@20250101",
      "x".repeat(3000),
      "..%2F..%2Fetc",
    ]);
  const jsonBodies = [
    () => valid.slice(0, Math.floor(random() * valid.length)),
    () => junk(Math.floor(random() * 200)),
    () =>
      JSON.stringify(
        pick([
          null,
          1,
          "x",
          [],
          true,
          { model: 5 },
          { model: "m", messages: "no" },
          {
            messages: [],
          },
          { model: "x".repeat(100_000), messages: [] },
          { ...VALID, max_tokens: 1e308 },
          {
            ...VALID,
            messages: [{ role: "user", content: [{ type: "tool_use", input: null }] }],
          },
        ]),
      ),
    () => bytes(64),
    () => `{"model":"${MODEL}","messages":[],"a":"${"\\ud800".repeat(10)}"}`,
    () => "{".repeat(50_000),
    () => nested(10_000),
    () => `password=hunter2&key=sk-ant-api03-${junk(20)}`,
    () =>
      JSON.stringify({
        input: {
          invokeModel: { body: pick(["!!!", btoa("not json"), btoa("[1]"), btoa("null")]) },
        },
      }),
  ];
  const formBodies = [
    () => `user_code=${encodeURIComponent(junk(12))}&key=${encodeURIComponent(junk(30))}`,
    () => "user_code=%E0%A4%A&key=%",
    () => `--x\r\nContent-Disposition: form-data; name="user_code"\r\n\r\nABCD\r\n--x--`,
    () => junk(300),
    () => "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=" + junk(40),
    () => "grant_type=refresh_token&refresh_token=" + junk(20),
  ];
  const contentTypes = [
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=\u00ff",
  ];
  const vertexPath = () =>
    `/vertex/v1/projects/${segment()}/locations/us-east5/publishers/anthropic/models/${segment()}:${
      pick(["rawPredict", "streamRawPredict", "countTokens"])
    }`;
  const routes: (() => Pick<HostileRequest, "method" | "path"> & { form?: boolean })[] = [
    () => ({ method: "POST", path: pick(["/v1/messages", "/v1/messages?beta=true"]) }),
    () => ({ method: "POST", path: "/v1/messages/count_tokens" }),
    () => ({
      method: "POST",
      path: `/bedrock/model/${segment()}/${
        pick(["invoke", "invoke-with-response-stream", "count-tokens"])
      }`,
    }),
    () => ({ method: "POST", path: vertexPath() }),
    () => ({ method: "GET", path: `/bedrock/inference-profiles/${segment()}` }),
    () => ({ method: pick(["GET", "POST"]), path: `/device?user_code=${segment()}`, form: true }),
    () => ({ method: "POST", path: "/oauth/device_authorization", form: true }),
    () => ({ method: "POST", path: "/oauth/token", form: true }),
    () => ({
      method: "GET",
      path: `/admin/${pick(["logs", "usage", "keys", "audit", "budgets", "teams", "refusals"])}?${
        pick(["since=junk", "limit=-1", "limit=1e99", `by=${segment()}`, "since=%", ""])
      }`,
    }),
    () => ({
      method: pick(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]),
      path: pick(["/v1/messages", "/v1/models", "/metrics", "/readyz", "/api/oauth/usage", "/x"]),
    }),
  ];
  return () => {
    const route = pick(routes)();
    const headers: Record<string, string> = {};
    const auth = random();
    if (auth < 0.7) headers["x-api-key"] = target.key;
    else if (auth < 0.8) headers.authorization = `Bearer ${target.adminToken}`;
    else if (auth < 0.9) headers.authorization = pick(["Bearer ", "Bearer", "Basic x", junk(10)]);
    if (random() < 0.85) headers["content-type"] = pick(contentTypes);
    if (random() < 0.05) headers["x-huge"] = "h".repeat(16 * 1024);
    if (random() < 0.1) headers["x-gw-project"] = "p".repeat(Math.floor(random() * 5000));
    if (random() < 0.1) headers["x-claude-code-session-id"] = "s".repeat(5000);
    if (random() < 0.1) headers["anthropic-beta"] = junk(50);
    for (const [name, value] of Object.entries(headers)) {
      // Fetch refuses header values outside Latin-1 printable: keep the rest of the junk.
      headers[name] = value.replace(/[^\x20-\x7e]/g, "a");
    }
    const request: HostileRequest = { ...route, headers };
    if (route.method !== "GET" && route.method !== "OPTIONS") {
      request.body = (route.form && random() < 0.7 ? pick(formBodies) : pick(jsonBodies))();
    }
    if (random() < 0.04) request.raw = rawRequest(request, pick(RAW_BREAKS));
    return request;
  };
}

/** What a raw request gets wrong, framing-wise. */
const RAW_BREAKS = ["chunked-cut", "bad-chunk-size", "length-short", "bad-header"] as const;

function rawRequest(request: HostileRequest, breakage: typeof RAW_BREAKS[number]): Uint8Array {
  const body = typeof request.body === "string"
    ? request.body
    : new TextDecoder().decode(request.body ?? new Uint8Array());
  const head = [`POST ${request.path} HTTP/1.1`, "host: fuzz"];
  for (const [name, value] of Object.entries(request.headers)) head.push(`${name}: ${value}`);
  let text: string;
  if (breakage === "chunked-cut") {
    text = [...head, "transfer-encoding: chunked", "", `${(body.length + 10).toString(16)}`, body]
      .join("\r\n");
  } else if (breakage === "bad-chunk-size") {
    text = [...head, "transfer-encoding: chunked", "", "zz", body, "0", "", ""].join("\r\n");
  } else if (breakage === "length-short") {
    text = [...head, `content-length: ${body.length + 100}`, "", body].join("\r\n");
  } else {
    text = [...head, "bad header line", "", ""].join("\r\n");
  }
  return new TextEncoder().encode(text);
}

export interface FuzzOutcome {
  sent: number;
  statuses: Record<number, number>;
  /** Requests that broke a rule, with the reason; empty when all held. */
  failures: string[];
}

async function sendRaw(target: FuzzTarget, raw: Uint8Array, deadlineMs: number): Promise<string> {
  const { hostname, port } = new URL(target.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const timer = setTimeout(() => conn.close(), deadlineMs);
  try {
    await conn.write(raw).catch(() => {});
    // Half-close: a server waiting for the rest of a cut body sees the end instead.
    await conn.closeWrite().catch(() => {});
    const buffer = new Uint8Array(512);
    const n = await conn.read(buffer).catch(() => null);
    return n === null ? "" : new TextDecoder().decode(buffer.subarray(0, n));
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // Closed by the deadline or the server.
    }
  }
}

/**
 * Sends `count` requests from `seed`, `concurrency` at a time, and checks each answer.
 *
 * @example
 * const outcome = await fuzz(target, { seed: 7, count: 2000 });
 * assert.deepEqual(outcome.failures, []);
 */
export async function fuzz(
  target: FuzzTarget,
  options: { seed: number; count: number; concurrency?: number; deadlineMs?: number },
): Promise<FuzzOutcome> {
  const next = hostileRequests(options.seed, target);
  const deadlineMs = options.deadlineMs ?? 15_000;
  const outcome: FuzzOutcome = { sent: 0, statuses: {}, failures: [] };
  const one = async () => {
    while (outcome.sent < options.count) {
      const request = next();
      const index = outcome.sent++;
      const label = `#${index} ${request.method} ${request.path.slice(0, 80)}`;
      try {
        if (request.raw) {
          const answer = await sendRaw(target, request.raw, deadlineMs);
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
          outcome.statuses[status] = (outcome.statuses[status] ?? 0) + 1;
          if (status >= 500) outcome.failures.push(`${label} (raw): ${answer.slice(0, 200)}`);
          continue;
        }
        const response = await fetch(target.url + request.path, {
          method: request.method,
          headers: request.headers,
          body: request.body as BodyInit | undefined,
          signal: AbortSignal.timeout(deadlineMs),
        });
        const text = await response.text();
        outcome.statuses[response.status] = (outcome.statuses[response.status] ?? 0) + 1;
        if (response.status >= 500) {
          outcome.failures.push(`${label}: ${response.status} ${text.slice(0, 200)}`);
        } else if (response.status >= 400 && isApiPath(request.path)) {
          const body = JSON.parse(text);
          if (body.type !== "error" || typeof body.error?.message !== "string") {
            outcome.failures.push(`${label}: not Anthropic error JSON: ${text.slice(0, 200)}`);
          }
          if (response.headers.get("x-should-retry") !== "false" && response.status !== 429) {
            outcome.failures.push(`${label}: ${response.status} without x-should-retry: false`);
          }
        }
      } catch (error) {
        outcome.failures.push(`${label}: ${(error as Error).name} ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, one));
  return outcome;
}

function isApiPath(path: string): boolean {
  return path.startsWith("/v1/") || path.startsWith("/bedrock/") || path.startsWith("/vertex/");
}
