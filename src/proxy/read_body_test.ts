import assert from "node:assert/strict";
import { parseMessagesBody } from "./read_body.ts";

function post(body: BodyInit): Request {
  return new Request("http://gw/v1/messages", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
}

const valid = '{"model":"claude-sonnet-5-5","messages":[{"role":"user","content":"hi"}]}';

Deno.test("a body with invalid UTF-8 is refused as such", async () => {
  const bytes = new TextEncoder().encode(valid.replace("hi", "h?"));
  bytes[bytes.indexOf("?".charCodeAt(0))] = 0xff;
  await assert.rejects(
    parseMessagesBody(post(bytes), "messages", 1 << 20),
    /Request body is not valid JSON: body is not valid UTF-8/,
  );
});

Deno.test("a real replacement character in the text is accepted", async () => {
  const body = await parseMessagesBody(post(valid.replace("hi", "h\uFFFDi")), "messages", 1 << 20);
  assert.deepEqual(body.json.messages, [{ role: "user", content: "h\uFFFDi" }]);
});

Deno.test("the client's bytes are kept as sent", async () => {
  const body = await parseMessagesBody(post(valid), "messages", 1 << 20);
  assert.equal(new TextDecoder().decode(body.bytes), valid);
  assert.equal(body.model, "claude-sonnet-5-5");
  assert.equal(body.stream, false);
});
