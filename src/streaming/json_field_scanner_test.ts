import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JsonFieldScanner } from "./json_field_scanner.ts";

const encoder = new TextEncoder();

describe("JsonFieldScanner", () => {
  const message = {
    id: "msg_1",
    content: [{ type: "text", text: 'tricky "usage": {"input_tokens": 999} } ] \\' }],
    model: "claude-opus-5-5",
    nested: { usage: { input_tokens: 1 } },
    usage: { input_tokens: 5, output_tokens: 7, cache_creation: { ephemeral_5m_input_tokens: 2 } },
    stop_reason: "end_turn",
  };
  const text = JSON.stringify(message, null, 1);

  it("finds top-level fields at every split point", () => {
    const bytes = encoder.encode(text);
    for (let split = 0; split <= bytes.length; split++) {
      const scanner = new JsonFieldScanner(new Set(["usage", "model"]));
      scanner.push(bytes.subarray(0, split));
      scanner.push(bytes.subarray(split));
      assert.deepEqual(scanner.value("usage"), message.usage);
      assert.equal(scanner.value("model"), "claude-opus-5-5");
    }
  });

  it("ignores fields it was not asked for and nested look-alikes", () => {
    const scanner = new JsonFieldScanner(new Set(["usage"]));
    scanner.push(encoder.encode('{"nested":{"usage":{"a":1}},"x":"usage"}'));
    assert.equal(scanner.value("usage"), undefined);
  });

  it("reads error bodies", () => {
    const scanner = new JsonFieldScanner(new Set(["error"]));
    scanner.push(
      encoder.encode('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'),
    );
    assert.deepEqual(scanner.value("error"), { type: "overloaded_error", message: "Overloaded" });
  });
});
