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

/** Malformed bodies carrying secrets: the refusal may say where and why, never what. */
const SECRET_BODIES = [
  "password=hunter2",
  "password=hunter2&api_key=sk-ant-api03-AAAAbbbbCCCCdddd",
  "sk-ant-api03-AAAAbbbbCCCCdddd",
  '{"model":"claude-sonnet-5-5","password":"hunter2","key":"sk-ant-api03-AAAAbbbbCCCCdddd"',
  '{"model":"claude-sonnet-5-5"} password=hunter2 sk-ant-api03-AAAAbbbbCCCCdddd',
  '{"password":hunter2,"key":"sk-ant-api03-AAAAbbbbCCCCdddd"}',
  '{"key":"sk-ant-api03-AAAA\\qbbbb","password":"hunter2"}',
  '\uFEFF{"password":"hunter2"}, sk-ant-api03-AAAAbbbbCCCCdddd',
  '{"password":"hunter2","messages":[1,2',
];

Deno.test("a malformed body's refusal never quotes it", async () => {
  for (const body of SECRET_BODIES) {
    const error = await parseMessagesBody(post(body), "messages", 1 << 20).then(
      () => assert.fail(`accepted ${body}`),
      (error: Error) => error,
    );
    assert.match(error.message, /^Request body is not valid JSON: [A-Za-z ]+( at byte \d+)?$/);
    assert.doesNotMatch(error.message, /hunter2|sk-ant|password/);
  }
});

Deno.test("a malformed body's refusal says where it went wrong, in bytes", async () => {
  await assert.rejects(
    parseMessagesBody(post('{"model":"m"} password=hunter2'), "messages", 1 << 20),
    { message: "Request body is not valid JSON: unexpected data after the JSON value at byte 14" },
  );
  await assert.rejects(
    parseMessagesBody(post('{"password":"hunter2'), "messages", 1 << 20),
    { message: "Request body is not valid JSON: ends early at byte 20" },
  );
});

Deno.test("an adapter's parse error does not reach the message", async () => {
  const adapt = () => JSON.parse("password=hunter2");
  await assert.rejects(parseMessagesBody(post(valid), "messages", 1 << 20, adapt), {
    message:
      "Request body does not have the shape this endpoint expects: embedded JSON is not valid",
  });
});

Deno.test("a wrong content type is echoed at most 64 characters long", async () => {
  const request = new Request("http://gw/v1/messages", {
    method: "POST",
    headers: { "content-type": `text/plain; x=${"a".repeat(10_000)}` },
    body: valid,
  });
  const error: Error = await parseMessagesBody(request, "messages", 1 << 20).catch((e) => e);
  const echoed = error.message.slice("content-type must be application/json, got ".length);
  assert.equal(echoed.length, 64);
  assert.ok(echoed.startsWith("text/plain; x=aaa") && echoed.endsWith("…"));
});
