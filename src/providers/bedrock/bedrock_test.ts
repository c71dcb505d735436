import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bedrockBody } from "./bedrock_body.ts";
import { frameToSse } from "./bedrock_stream.ts";
import { encodeEventFrame, EventStreamDecoder } from "./event_stream.ts";
import { canonicalUri, signRequest } from "./sigv4.ts";

const encoder = new TextEncoder();

describe("event stream", () => {
  const frames = [1, 2, 3].map((i) =>
    encodeEventFrame(
      { ":message-type": "event", ":event-type": "chunk" },
      encoder.encode(`{"n":${i}}`),
    )
  );
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  frames.reduce((offset, frame) => (all.set(frame, offset), offset + frame.length), 0);

  it("decodes frames split at every byte boundary", () => {
    for (let split = 1; split < all.length; split++) {
      const decoder = new EventStreamDecoder();
      const decoded = [
        ...decoder.push(all.subarray(0, split)),
        ...decoder.push(all.subarray(split)),
      ];
      assert.deepEqual(decoded.map((f) => new TextDecoder().decode(f.payload)), [
        '{"n":1}',
        '{"n":2}',
        '{"n":3}',
      ]);
      assert.equal(decoded[0].headers[":event-type"], "chunk");
      assert.equal(decoder.pending, false);
    }
  });

  it("rejects corrupt frames", () => {
    const broken = frames[0].slice();
    broken[broken.length - 6] ^= 0xff;
    assert.throws(() => new EventStreamDecoder().push(broken), /CRC/);
  });

  it("turns chunk and exception frames into SSE", () => {
    const event = { type: "message_stop" };
    const chunk = encodeEventFrame(
      { ":message-type": "event", ":event-type": "chunk" },
      encoder.encode(JSON.stringify({ bytes: btoa(JSON.stringify(event)), p: "ab" })),
    );
    const [frame] = new EventStreamDecoder().push(chunk);
    assert.equal(
      new TextDecoder().decode(frameToSse(frame, "r")),
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    );
    const exception = encodeEventFrame(
      { ":message-type": "exception", ":exception-type": "throttlingException" },
      encoder.encode('{"message":"Too many requests"}'),
    );
    const [error] = new EventStreamDecoder().push(exception);
    assert.match(
      new TextDecoder().decode(frameToSse(error, "r")),
      /"type":"rate_limit_error","message":"Too many requests"/,
    );
  });
});

describe("bedrockBody", () => {
  it("moves the model and betas where Bedrock wants them and drops what it rejects", () => {
    const body = bedrockBody({
      model: "m",
      stream: true,
      max_tokens: 10,
      cache_control: { type: "ephemeral" },
      messages: [],
      tools: [{ name: "a", input_schema: {}, defer_loading: true }, {
        type: "web_search_20250305",
        name: "w",
      }],
    }, "b1, b2");
    assert.deepEqual(body, {
      max_tokens: 10,
      messages: [],
      tools: [{ name: "a", input_schema: {} }],
      anthropic_version: "bedrock-2023-05-31",
      anthropic_beta: ["b1", "b2"],
    });
  });

  it("lets an admin drop more fields", () => {
    assert.equal(
      bedrockBody({ output_config: {}, messages: [] }, null, ["output_config"]).output_config,
      undefined,
    );
  });
});

describe("SigV4", () => {
  it("double-encodes path segments in the canonical URI", () => {
    assert.equal(
      canonicalUri("/model/us.anthropic.claude-x-v1%3A0/invoke"),
      "/model/us.anthropic.claude-x-v1%253A0/invoke",
    );
  });

  it("signs with the credential scope, the signed headers and a hex signature", () => {
    // The fake Bedrock server checks signatures end to end with its own implementation.
    const headers = signRequest({
      method: "GET",
      url: new URL("https://example.amazonaws.com/"),
      headers: new Headers(),
      body: new Uint8Array(),
      region: "us-east-1",
      service: "service",
      credentials: {
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      },
      now: new Date("2015-08-30T12:36:00Z"),
    });
    assert.equal(headers.get("x-amz-date"), "20150830T123600Z");
    assert.match(
      headers.get("authorization")!,
      /Credential=AKIDEXAMPLE\/20150830\/us-east-1\/service\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });
});
