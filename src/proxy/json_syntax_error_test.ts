import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeJsonSyntaxError } from "./json_syntax_error.ts";

function describeParse(text: string, offset = 0): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return describeJsonSyntaxError(error as SyntaxError, text, offset);
  }
  throw new Error("parsed");
}

describe("describeJsonSyntaxError", () => {
  it("names the kind and the byte position", () => {
    assert.equal(describeParse('{"a":1}x'), "unexpected data after the JSON value at byte 7");
    assert.equal(describeParse('{"a" 1}'), "unexpected character at byte 5");
    assert.equal(describeParse('{"a":"\\q"}'), "bad escape in a string at byte 7");
    assert.equal(describeParse('{"a":"b\u0001"}'), "control character in a string at byte 7");
  });

  it("says a body that stops too soon ends early, at its length", () => {
    assert.equal(describeParse(""), "ends early at byte 0");
    assert.equal(describeParse('{"a": "sk-'), "ends early at byte 10");
    assert.equal(describeParse("[1,2"), "ends early at byte 4");
  });

  it("counts bytes, not UTF-16 units, and the byte order mark", () => {
    assert.equal(describeParse('{"é😀":1}x'), "unexpected data after the JSON value at byte 12");
    assert.equal(describeParse("{}x", 3), "unexpected data after the JSON value at byte 5");
  });

  it("gives only the kind when the parser gives no position, never the excerpt", () => {
    for (const text of ["password=hunter2", "sk-ant-api03-abcdef and more", '{"a":tru}']) {
      assert.equal(describeParse(text), "unexpected character");
    }
    // A quoted excerpt that looks like a position is not taken for one.
    const quoted = new SyntaxError(
      "Unexpected token 'x', \"in JSON at position 9\" is not valid JSON",
    );
    assert.equal(describeJsonSyntaxError(quoted, "x"), "unexpected character");
  });
});
