import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_NESTING_DEPTH, textSlots, withStrings } from "./text_slots.ts";
import { GatewayError } from "../server/errors.ts";

function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

function toolUse(input: unknown) {
  return {
    system: [{ type: "text", text: "be brief" }],
    messages: [
      { role: "user", content: "hello" },
      { role: "assistant", content: [{ type: "tool_use", id: "t", name: "x", input }] },
      {
        role: "user",
        content: [{
          type: "tool_result",
          tool_use_id: "t",
          content: [{ type: "text", text: "r" }],
        }],
      },
    ],
  };
}

describe("text slots", () => {
  it("finds every text in document order with its location", () => {
    const slots = textSlots(toolUse({ command: "ls", args: ["-l", 3] }));
    assert.deepEqual(slots.map((slot) => [slot.text, slot.location]), [
      ["be brief", "system prompt text block 0"],
      ["hello", "messages[0] (user)"],
      ["ls", "messages[1] (assistant) tool_use input"],
      ["-l", "messages[1] (assistant) tool_use input"],
      ["r", "messages[2] (user) tool_result text block 0"],
    ]);
  });

  it("refuses a body nested deeper than the limit by name, without exhausting the stack", () => {
    for (const depth of [MAX_NESTING_DEPTH, 10_000, 100_000]) {
      assert.throws(
        () => textSlots(toolUse(nested(depth, "deep"))),
        (error: unknown) =>
          error instanceof GatewayError && error.status === 400 &&
          error.message.includes(`deeper than ${MAX_NESTING_DEPTH} levels`) &&
          error.message.includes("tool_use input"),
      );
    }
  });

  it("reads a body just inside the limit", () => {
    const slots = textSlots(toolUse(nested(MAX_NESTING_DEPTH - 10, "deep")));
    assert.ok(slots.some((slot) => slot.text === "deep"));
  });

  it("walks a wide body in one pass", () => {
    const wide = Array.from({ length: 200_000 }, (_, i) => `s${i}`);
    const slots = textSlots(toolUse(wide));
    assert.equal(slots.length, 200_000 + 3);
    assert.equal(slots[2].text, "s0");
  });
});

describe("replacing strings", () => {
  it("copies only the containers on the replaced paths and leaves the original alone", () => {
    const body = toolUse({ keep: { a: 1 }, change: ["secret"] });
    const snapshot = JSON.stringify(body);
    const slot = textSlots(body).find((s) => s.text === "secret")!;
    const replaced = withStrings(body, [{ path: slot.path, text: "[REDACTED]" }]);
    assert.equal(JSON.stringify(body), snapshot);
    const input = (replaced.messages as { content: { input: Record<string, unknown> }[] }[])[1]
      .content[0].input;
    assert.deepEqual(input.change, ["[REDACTED]"]);
    assert.equal(
      input.keep,
      (body.messages[1].content as { input: { keep: unknown } }[])[0].input.keep,
    );
    assert.equal(replaced.system, body.system);
  });

  it("replaces strings just inside the nesting limit without recursion", () => {
    const body = toolUse(nested(MAX_NESTING_DEPTH - 10, "deep"));
    const slot = textSlots(body).find((s) => s.text === "deep")!;
    const replaced = withStrings(body, [{ path: slot.path, text: "gone" }]);
    assert.ok(JSON.stringify(replaced).includes('"gone"'));
    assert.ok(JSON.stringify(body).includes('"deep"'));
  });
});
