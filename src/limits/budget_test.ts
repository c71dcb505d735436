import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyRecord } from "../db/repos/keys_repo.ts";
import { requestTags } from "../tags/request_tags.ts";
import { budget as budgetFields } from "../../test/helpers/budgets.ts";
import { type Budget, budgetMember, chargeeOf } from "./budget.ts";

const key = {
  id: "key_1",
  team: "mobile",
  department: "product",
  user: null,
  project: null,
  env: null,
  tags: {},
} as unknown as KeyRecord;

function budget(fields: Partial<Budget>): Budget {
  return { id: "b", ...budgetFields(fields) };
}

/** What a request from `owner` with these headers draws on. */
function member(target: Budget, headers: Record<string, string>, owner = key) {
  return budgetMember(target, chargeeOf(owner, requestTags(owner, new Headers(headers))));
}

describe("budgetMember", () => {
  it("makes a key without a user one member, whatever user it declares", () => {
    const perMember = budget({ value: "mobile", perMember: true });
    assert.equal(member(perMember, {}), "key:key_1");
    assert.equal(member(perMember, { "x-gw-user": "u1" }), "key:key_1");
    assert.equal(member(perMember, { "x-gw-user": "u2" }), "key:key_1");
    const department = budget({ scope: "department", value: "product", perMember: true });
    assert.equal(member(department, { "x-gw-user": "u3" }), "key:key_1");
  });

  it("uses the key's bound user for per-member budgets", () => {
    const alice = { ...key, user: "alice" } as KeyRecord;
    const perMember = budget({ value: "mobile", perMember: true });
    assert.equal(member(perMember, { "x-gw-user": "dave" }, alice), "alice");
  });

  it("applies a user budget only to the key's bound user, never to a declared one", () => {
    const dave = budget({ scope: "user", value: "dave" });
    assert.equal(member(dave, { "x-gw-user": "dave" }), undefined);
    assert.equal(member(dave, {}, { ...key, user: "dave" } as KeyRecord), "");
  });

  it("applies team and department budgets from the key, not a header", () => {
    assert.equal(member(budget({ value: "mobile" }), { "x-gw-team": "payments" }), "");
    assert.equal(member(budget({ value: "payments" }), { "x-gw-team": "payments" }), undefined);
    assert.equal(member(budget({ scope: "department", value: "product" }), {}), "");
  });

  it("applies project and tag budgets to what the key binds, headers filling only gaps", () => {
    const bound = { ...key, project: "checkout", tags: { cc: "foo" } } as KeyRecord;
    const project = budget({ scope: "project", value: "checkout" });
    const tag = budget({ scope: "tag", value: "cc=foo" });
    assert.equal(member(project, { "x-gw-project": "elsewhere" }, bound), "");
    assert.equal(member(tag, { "x-gw-tag-cc": "bar" }, bound), "");
    // A key that leaves them empty is attributed, and charged, as it declares.
    assert.equal(member(project, { "x-gw-project": "checkout" }), "");
    assert.equal(member(tag, { "x-gw-tag-cc": "foo" }), "");
    assert.equal(member(project, {}), undefined);
  });

  it("applies a key budget to its key only", () => {
    assert.equal(member(budget({ scope: "key", value: "key_1" }), {}), "");
    assert.equal(member(budget({ scope: "key", value: "key_2" }), {}), undefined);
  });
});
