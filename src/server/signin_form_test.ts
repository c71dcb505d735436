import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "./errors.ts";
import { readSignInForm } from "./signin_form.ts";

const FORM = { "content-type": "application/x-www-form-urlencoded" };

function post(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request("http://gw.test/oauth/token", { method: "POST", body, headers });
}

async function refusal(request: Request, limit?: number): Promise<GatewayError> {
  try {
    await readSignInForm(request, limit);
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    return error;
  }
  assert.fail("expected a refusal");
}

describe("readSignInForm", () => {
  it("reads URL-encoded and multipart forms, first value of each field", async () => {
    assert.deepEqual(
      await readSignInForm(post(new URLSearchParams("a=1&b=x%20y&a=2"))),
      { a: "1", b: "x y" },
    );
    const form = new FormData();
    form.append("user_code", "BCDF-GHJK");
    form.append("file", new File(["x"], "x.txt"));
    assert.deepEqual(await readSignInForm(post(form)), { user_code: "BCDF-GHJK" });
    const untyped = post(new TextEncoder().encode("a=1"));
    assert.equal(untyped.headers.get("content-type"), null);
    assert.deepEqual(await readSignInForm(untyped), { a: "1" }, "no type reads as a form");
    assert.deepEqual(await readSignInForm(post(null)), {});
  });

  it("answers a malformed or foreign body with a 4xx, never a gw error", async () => {
    const noBoundary = await refusal(post("x", { "content-type": "multipart/form-data" }));
    assert.equal(noBoundary.status, 400);
    assert.match(noBoundary.message, /boundary/);
    const garbage = await refusal(
      post("not multipart at all", { "content-type": "multipart/form-data; boundary=zz" }),
    );
    assert.equal(garbage.status, 400);
    assert.match(garbage.message, /Malformed multipart/);
    const json = await refusal(post("{}", { "content-type": "application/json" }));
    assert.equal(json.status, 415);
  });

  it("refuses a body past the limit, declared or streamed", async () => {
    const declared = await refusal(
      post("a=" + "x".repeat(100), {
        "content-type": "application/x-www-form-urlencoded",
        "content-length": "102",
      }),
      64,
    );
    assert.equal(declared.status, 413);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(32));
      },
    });
    const streamed = await refusal(post(endless, FORM), 64);
    assert.equal(streamed.status, 413);
    assert.ok(pulled < 10, `stopped reading after ${pulled} chunks`);
  });
});
