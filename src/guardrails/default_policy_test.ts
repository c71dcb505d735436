import assert from "node:assert/strict";
import { it } from "node:test";
import { compilePolicy, DEFAULT_RULES } from "./policy.ts";
import { guardRequest } from "./request_guard.ts";

it("the default policy finds nothing in a real Claude Code request", async () => {
  const body = JSON.parse(
    await Deno.readTextFile(
      new URL("../../test/fixtures/claude_code_request.json", import.meta.url),
    ),
  );
  const result = guardRequest(
    body,
    50_000,
    compilePolicy({ name: "default", rules: DEFAULT_RULES, limits: {} }),
  );
  assert.deepEqual(result.verdicts, {});
  assert.equal(result.body, body, "nothing redacted, the same object forwarded");
});
