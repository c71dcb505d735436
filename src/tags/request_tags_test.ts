import assert from "node:assert/strict";
import { it } from "node:test";
import type { KeyRecord } from "../db/repos/keys_repo.ts";
import { requestTags } from "./request_tags.ts";

const key = {
  team: "payments",
  department: "finance",
  user: "alice",
  project: "default-project",
  env: "dev",
  tags: { cost_center: "42" },
} as unknown as KeyRecord;

it("merges key defaults with x-gw headers, keeping the key's team", () => {
  const tags = requestTags(
    key,
    new Headers({
      "x-gw-project": "checkout",
      "x-gw-team": "someone-else",
      "x-gw-tag-ticket": "PAY-1",
      "x-gw-tag-bad+name": "x",
      "x-claude-code-session-id": "s1",
      "x-claude-code-parent-agent-id": "p1",
    }),
  );
  assert.equal(tags.team, "payments");
  assert.equal(tags.department, "finance");
  assert.equal(tags.project, "checkout");
  assert.equal(tags.env, "dev");
  assert.deepEqual(tags.tags, { cost_center: "42", ticket: "PAY-1" });
  assert.equal(tags.sessionId, "s1");
  assert.equal(tags.parentAgentId, "p1");
  assert.equal(tags.agentId, null);
});

it("bounds tag count and value length", () => {
  const headers = new Headers();
  for (let i = 0; i < 100; i++) headers.set(`x-gw-tag-t${i}`, "v".repeat(1000));
  const tags = requestTags({ ...key, tags: {} }, headers);
  assert.equal(Object.keys(tags.tags).length, 32);
  assert.ok(Object.values(tags.tags).every((v) => v.length === 128));
});
