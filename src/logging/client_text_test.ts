import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clip } from "./client_text.ts";

describe("clip", () => {
  it("keeps text within the bound as it is", () => {
    assert.equal(clip("claude-opus-5-5", 15), "claude-opus-5-5");
    assert.equal(clip(null, 5), null);
  });

  it("cuts longer text to the bound, marked", () => {
    assert.equal(clip("x".repeat(4 << 20), 8), "xxxxxxx…");
  });

  it("never leaves half a surrogate pair", () => {
    const cut = clip("ab😀cd", 4);
    assert.equal(cut, "ab…");
    assert.ok(cut.length <= 4);
  });
});
