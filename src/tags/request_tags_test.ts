import assert from "node:assert/strict";
import { describe, it } from "node:test";
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

const unbound = {
  ...key,
  user: null,
  project: null,
  env: null,
  tags: {},
} as KeyRecord;

describe("requestTags", () => {
  it("keeps what the key binds: headers cannot replace team, user, project, env or tags", () => {
    const tags = requestTags(
      key,
      new Headers({
        "x-gw-project": "elsewhere",
        "x-gw-env": "prod",
        "x-gw-user": "dave",
        "x-gw-team": "someone-else",
        "x-gw-tag-cost_center": "bar",
        "x-gw-tag-ticket": "PAY-1",
        "x-gw-tag-bad+name": "x",
        "x-claude-code-session-id": "s1",
        "x-claude-code-parent-agent-id": "p1",
      }),
    );
    assert.equal(tags.team, "payments");
    assert.equal(tags.department, "finance");
    assert.equal(tags.user, "alice");
    assert.equal(tags.project, "default-project");
    assert.equal(tags.env, "dev");
    assert.deepEqual(tags.tags, { cost_center: "42", ticket: "PAY-1" });
    assert.equal(tags.sessionId, "s1");
    assert.equal(tags.parentAgentId, "p1");
    assert.equal(tags.agentId, null);
  });

  it("lets headers fill what the key leaves empty", () => {
    const tags = requestTags(
      unbound,
      new Headers({
        "x-gw-project": " checkout ",
        "x-gw-env": "ci",
        "x-gw-user": "dave",
        "x-gw-team": "someone-else",
        "x-gw-tag-cc": "bar",
      }),
    );
    assert.equal(tags.team, "payments");
    assert.equal(tags.user, "dave");
    assert.equal(tags.project, "checkout");
    assert.equal(tags.env, "ci");
    assert.deepEqual(tags.tags, { cc: "bar" });
  });

  it("ignores empty header values", () => {
    const tags = requestTags(unbound, new Headers({ "x-gw-project": "  ", "x-gw-tag-a": "" }));
    assert.equal(tags.project, null);
    assert.deepEqual(tags.tags, {});
  });

  it("bounds tag count and value length", () => {
    const headers = new Headers();
    for (let i = 0; i < 100; i++) headers.set(`x-gw-tag-t${i}`, "v".repeat(1000));
    const tags = requestTags({ ...key, tags: {} }, headers);
    assert.equal(Object.keys(tags.tags).length, 32);
    assert.ok(Object.values(tags.tags).every((v) => v.length === 128));
  });

  it("counts the key's tags toward the bound", () => {
    const headers = new Headers();
    for (let i = 0; i < 100; i++) headers.set(`x-gw-tag-t${i}`, "v");
    headers.set("x-gw-tag-constructor", "v");
    const tags = requestTags(key, headers);
    assert.equal(Object.keys(tags.tags).length, 32);
    assert.equal(tags.tags.cost_center, "42");
  });
});
