/**
 * The sign-in routes take requests from anyone: bounded bodies, read only after a per-address
 * rate limit, malformed forms as 4xx, a cap on waiting sign-ins, and pages that cannot be framed.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type Harness, startGw } from "../helpers/gw_harness.ts";
import { countPendingDeviceLogins } from "../../src/db/repos/device_logins_repo.ts";

const FORM = { "content-type": "application/x-www-form-urlencoded" };

/**
 * Sends a request head over a raw socket and returns what gw answers within `timeoutMs`, or
 * "" if nothing: a body announced but never sent shows whether gw waits to read it.
 */
async function rawAnswer(url: string, head: string, timeoutMs = 3000): Promise<string> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await conn.write(new TextEncoder().encode(head.replaceAll("\n", "\r\n") + "\r\n"));
    const buffer = new Uint8Array(8192);
    const read = conn.read(buffer).then((n) =>
      new TextDecoder().decode(buffer.subarray(0, n ?? 0))
    );
    const quiet = new Promise<string>((resolve) =>
      timer = setTimeout(() => resolve(""), timeoutMs)
    );
    return await Promise.race([read, quiet]);
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}

function announcing(path: string, bytes: number): string {
  return `POST ${path} HTTP/1.1
host: gw.test
content-type: application/x-www-form-urlencoded
content-length: ${bytes}
`;
}

/**
 * A request body that goes on until `stop()`; `sent()` tells how much went out. The runtime
 * drains what a client sends after the answer, so the test ends the body itself.
 */
function endlessBody() {
  let sent = 0;
  let stopped = false;
  const chunk = new TextEncoder().encode("a=" + "x".repeat(16 * 1024 - 2));
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (stopped) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { body, sent: () => sent, stop: () => stopped = true };
}

describe("sign-in bodies", () => {
  let gw: Harness;
  before(async () => gw = await startGw());
  after(async () => await gw.stop());

  it("refuses a declared 1 MB body with 413 without waiting for it", async () => {
    for (const path of ["/oauth/token", "/device"]) {
      const answer = await rawAnswer(gw.url, announcing(path, 1 << 20));
      assert.match(answer, /^HTTP\/1\.1 413 /, `${path} answered: ${JSON.stringify(answer)}`);
    }
  });

  it("stops reading a streamed body past the limit", async () => {
    for (const path of ["/oauth/token", "/device"]) {
      const { body, sent, stop } = endlessBody();
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const answer = fetch(gw.url + path, { method: "POST", headers: FORM, body });
        const response = await Promise.race([
          answer,
          new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), 5000)),
        ]);
        const sentAtAnswer = sent();
        stop();
        assert.ok(response, `${path} read ${sentAtAnswer} bytes and had not answered yet`);
        assert.equal(response.status, 413, path);
        await response.body?.cancel();
        assert.ok(
          sentAtAnswer < 1 << 20,
          `${path}: ${sentAtAnswer} bytes went out before the answer`,
        );
      } finally {
        clearTimeout(timer);
        stop();
      }
    }
  });

  it("answers multipart without a boundary, or garbage, with a 400 naming the problem", async () => {
    const multipart = (path: string, contentType: string) =>
      fetch(gw.url + path, {
        method: "POST",
        headers: { "content-type": contentType },
        body: "grant_type=x",
      });
    const token = await multipart("/oauth/token", "multipart/form-data");
    assert.equal(token.status, 400);
    const error = await token.json();
    assert.equal(error.error, "invalid_request");
    assert.match(error.error_description, /boundary/);
    const page = await multipart("/device", "multipart/form-data");
    assert.equal(page.status, 400);
    assert.match(await page.text(), /boundary/);
    const garbage = await multipart("/oauth/token", "multipart/form-data; boundary=zz");
    assert.equal(garbage.status, 400);
    assert.match((await garbage.json()).error_description, /Malformed multipart/);
    const json = await multipart("/oauth/token", "application/json");
    assert.equal(json.status, 415);
    await json.body?.cancel();
  });

  it("serves sign-in pages that cannot be framed, sniffed or leak their URL", async () => {
    for (const response of [await fetch(gw.url + "/device?user_code=BCDFGHJK")]) {
      assert.equal(response.headers.get("x-frame-options"), "DENY");
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      assert.equal(response.headers.get("referrer-policy"), "no-referrer");
      const csp = response.headers.get("content-security-policy") ?? "";
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /default-src 'none'/);
      const style = (await response.text()).match(/<style>([\s\S]*?)<\/style>/)![1];
      const hash = createHash("sha256").update(style).digest("base64");
      assert.ok(csp.includes(`'sha256-${hash}'`), "the page's own style is allowed");
    }
    const refused = await fetch(gw.url + "/device", {
      method: "POST",
      headers: FORM,
      body: "user_code=BCDF-GHJK&key=nope",
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get("x-frame-options"), "DENY");
    await refused.body?.cancel();
  });
});

describe("sign-in rate limits", () => {
  let gw: Harness;
  before(async () => gw = await startGw());
  after(async () => await gw.stop());

  it("limits sign-ins started per address, with slow_down", async () => {
    const start = () =>
      fetch(gw.url + "/oauth/device_authorization", {
        method: "POST",
        headers: FORM,
        body: "surface=claude_code",
      });
    for (let i = 0; i < 20; i++) {
      const response = await start();
      assert.equal(response.status, 200);
      await response.body?.cancel();
    }
    const limited = await start();
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    assert.equal((await limited.json()).error, "slow_down");
    assert.equal(await countPendingDeviceLogins(gw.db), 20);
  });

  it("limits token polls per address with slow_down", async () => {
    const poll = () =>
      fetch(gw.url + "/oauth/token", {
        method: "POST",
        headers: FORM,
        body: "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=x",
      });
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const response = await poll();
      if (response.status === 429) limited = response;
      else await response.body?.cancel();
    }
    assert.ok(limited, "40 polls at once are limited");
    assert.equal((await limited.json()).error, "slow_down");
  });

  it("refuses approval attempts past the limit before reading their body", async () => {
    for (let i = 0; i < 10; i++) {
      const response = await fetch(gw.url + "/device", {
        method: "POST",
        headers: FORM,
        body: "user_code=BCDF-GHJK&key=nope",
      });
      assert.equal(response.status, 400);
      await response.body?.cancel();
    }
    // The body is announced but never sent: only a limit checked first can answer.
    const answer = await rawAnswer(gw.url, announcing("/device", 100));
    assert.match(answer, /^HTTP\/1\.1 429 /, JSON.stringify(answer));
    assert.match(answer, /retry-after: \d+/i);
  });
});

describe("waiting sign-ins", () => {
  let gw: Harness;
  before(async () => gw = await startGw({ signIn: { maxPendingCodes: 3 } }));
  after(async () => await gw.stop());

  it("stop at the cap with a 503 that says why", async () => {
    const start = () =>
      fetch(gw.url + "/oauth/device_authorization", {
        method: "POST",
        headers: FORM,
        body: "surface=claude_code",
      });
    for (let i = 0; i < 3; i++) {
      const response = await start();
      assert.equal(response.status, 200);
      await response.body?.cancel();
    }
    const full = await start();
    assert.equal(full.status, 503);
    assert.ok(Number(full.headers.get("retry-after")) > 0);
    const error = await full.json();
    assert.equal(error.error, "temporarily_unavailable");
    assert.match(error.error_description, /3 sign-ins waiting for approval/);
    assert.equal(await countPendingDeviceLogins(gw.db), 3);
  });
});
