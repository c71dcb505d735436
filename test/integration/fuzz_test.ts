/**
 * Thousands of malformed requests: broken JSON, wrong types, huge headers, invalid UTF-8,
 * oversize bodies, wrong methods, path tricks. gw must never crash, never answer a 5xx of its
 * own, and always answer Anthropic-format JSON.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { type Harness, startGw } from "../helpers/gw_harness.ts";

function rng(seed: number) {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe("fuzzing the proxy surface", () => {
  let gw: Harness;
  let fake: FakeAnthropic;
  let key: string;

  before(async () => {
    fake = new FakeAnthropic().start();
    gw = await startGw({ maxBodyBytes: 256 * 1024 });
    await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
    key = (await gw.createKey()).secret;
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  it("answers every malformed request with a 4xx in Anthropic format", async () => {
    const random = rng(42);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
    const junk = (n: number) =>
      Array.from({ length: n }, () => String.fromCharCode(Math.floor(random() * 0x3000))).join("");
    const valid = JSON.stringify({
      model: "claude-opus-5-5",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    });
    const bodies: (() => BodyInit)[] = [
      () => valid.slice(0, Math.floor(random() * valid.length)),
      () => junk(Math.floor(random() * 200)),
      () =>
        JSON.stringify(
          pick([null, 1, "x", [], true, { model: 5 }, { model: "m", messages: "no" }, {
            messages: [],
          }]),
        ),
      () => new Uint8Array(Array.from({ length: 64 }, () => Math.floor(random() * 256))),
      () => new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
      () => "x".repeat(300 * 1024),
      () => "{".repeat(50_000),
      () => `{"model":"claude-opus-5-5","messages":[],"a":"${"\\ud800".repeat(10)}"}`,
    ];
    const paths = [
      "/v1/messages",
      "/v1/messages?beta=true",
      "/v1/messages",
      "/v1/messages",
      "/v1/messages/count_tokens",
      "/v1/../admin",
      "/v1/messages/../../etc/passwd",
      "/%2e%2e/%2e%2e/",
      "/v1/models/../messages",
      "//v1//messages",
      "/v1/messages%00",
      "/v1/" + "a".repeat(4000),
    ];
    const methods = ["POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS"];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const method = pick(methods);
      const headers: Record<string, string> = {
        "x-api-key": random() < 0.9 ? key : junk(10).replace(/[^\x21-\x7e]/g, "a"),
      };
      if (random() < 0.8) {
        headers["content-type"] = pick([
          "application/json",
          "text/plain",
          "application/json; charset=utf-8",
          "multipart/form-data",
        ]);
      }
      if (random() < 0.1) headers["x-huge"] = "h".repeat(16 * 1024);
      if (random() < 0.1) headers["anthropic-beta"] = junk(50).replace(/[^\x21-\x7e]/g, ",");
      const response = await fetch(gw.url + pick(paths), {
        method,
        headers,
        body: method === "GET" || method === "OPTIONS" ? undefined : pick(bodies)(),
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const text = await response.text();
      if (response.status === 200) continue;
      assert.ok(
        response.status >= 400 && response.status < 500,
        `status ${response.status}: ${text.slice(0, 200)}`,
      );
      const body = JSON.parse(text);
      assert.equal(body.type, "error");
      assert.equal(typeof body.error.type, "string");
      assert.equal(typeof body.error.message, "string");
    }
    console.log("statuses", JSON.stringify(Object.fromEntries(statuses)));
    const health = await fetch(gw.url + "/healthz");
    assert.equal(health.status, 200, "gw is still up");
    await health.body?.cancel();
    const rows = await gw.rows();
    assert.ok(rows.every((row) => row.status < 500));
  });
});
