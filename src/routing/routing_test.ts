import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Provider } from "../providers/types.ts";
import type { RequestTags } from "../tags/request_tags.ts";
import { CircuitBreakers } from "./circuit_breaker.ts";
import { conditionHolds, parseCondition, parseTarget } from "./route.ts";
import { RouteTable } from "./router.ts";

const provider = (name: string) => ({ name, kind: "anthropic" }) as Provider;
const tags = (
  team: string,
  sessionId: string | null = null,
  attribution: Partial<RequestTags> = {},
) => ({ team, sessionId, project: null, env: null, tags: {}, ...attribution }) as RequestTags;

describe("parseTarget", () => {
  it("reads provider, model with colons or dates, and weight", () => {
    assert.deepEqual(parseTarget("main"), { provider: "main", weight: 1 });
    assert.deepEqual(parseTarget("b:us.anthropic.claude-opus-4-1-20250805-v1:0@3"), {
      provider: "b",
      model: "us.anthropic.claude-opus-4-1-20250805-v1:0",
      weight: 3,
    });
    assert.deepEqual(parseTarget("v:claude-sonnet-4@20250514"), {
      provider: "v",
      model: "claude-sonnet-4@20250514",
      weight: 1,
    });
  });
});

describe("route conditions", () => {
  it("accept NAME=VALUE and hold on project, env, user, department or a tag", () => {
    assert.equal(parseCondition("env=prod"), "env=prod");
    assert.throws(() => parseCondition("env"), /NAME=VALUE/);
    assert.throws(() => parseCondition("Bad Name=x"), /NAME=VALUE/);
    assert.ok(conditionHolds("", tags("t")));
    assert.ok(conditionHolds("env=prod", tags("t", null, { env: "prod" })));
    assert.ok(!conditionHolds("env=prod", tags("t", null, { env: "dev" })));
    assert.ok(conditionHolds("ticket=GW-1", tags("t", null, { tags: { ticket: "GW-1" } })));
    assert.ok(!conditionHolds("ticket=GW-1", tags("t")));
    assert.ok(conditionHolds("a=b=c", tags("t", null, { tags: { a: "b=c" } })));
  });
});

describe("RouteTable", () => {
  const providers = [provider("a"), provider("b"), provider("c")];

  it("sends unrouted models unchanged to the first provider", () => {
    const table = new RouteTable(
      () => providers,
      new CircuitBreakers({ failureThreshold: 1, cooldownMs: 1000 }),
    );
    assert.deepEqual(table.route("claude-x", tags("t")).map((t) => [t.provider.name, t.model]), [[
      "a",
      "claude-x",
    ]]);
  });

  it("prefers team routes and more specific globs", () => {
    const table = new RouteTable(
      () => providers,
      new CircuitBreakers({ failureThreshold: 1, cooldownMs: 1000 }),
    );
    table.setRoutes([
      {
        id: "1",
        modelGlob: "*",
        team: "",
        condition: "",
        strategy: "fallback",
        targets: [{ provider: "a", weight: 1 }],
      },
      {
        id: "2",
        modelGlob: "*haiku*",
        team: "",
        condition: "",
        strategy: "fallback",
        targets: [{ provider: "b", model: "cheap", weight: 1 }],
      },
      {
        id: "3",
        modelGlob: "*",
        team: "payments",
        condition: "",
        strategy: "fallback",
        targets: [{ provider: "c", weight: 1 }, { provider: "a", weight: 1 }],
      },
    ]);
    assert.deepEqual(
      table.route("claude-haiku-5-5", tags("search")).map((t) => [t.provider.name, t.model]),
      [["b", "cheap"]],
    );
    assert.deepEqual(table.route("claude-opus-5-5", tags("search")).map((t) => t.provider.name), [
      "a",
    ]);
    assert.deepEqual(
      table.route("claude-haiku-5-5", tags("payments")).map((t) => t.provider.name),
      ["c", "a"],
    );
  });

  it("weights load balancing and puts tripped targets last", () => {
    let now = 0;
    const breakers = new CircuitBreakers({ failureThreshold: 2, cooldownMs: 1000 }, () => now);
    let next = 0;
    const randoms = [0.1, 0.5, 0.9];
    const table = new RouteTable(() => providers, breakers, () => randoms[next++ % 3]);
    table.setRoutes([{
      id: "1",
      modelGlob: "*",
      team: "",
      condition: "",
      strategy: "loadbalance",
      targets: [{ provider: "a", weight: 1 }, { provider: "b", weight: 2 }],
    }]);
    assert.deepEqual([0, 1, 2].map(() => table.route("m", tags("t"))[0].provider.name), [
      "a",
      "b",
      "b",
    ]);
    breakers.failure("b|m");
    breakers.failure("b|m");
    assert.equal(breakers.state("b|m"), "open");
    assert.deepEqual(table.route("m", tags("t", "any-session")).map((t) => t.provider.name), [
      "a",
      "b",
    ]);
    now = 1000;
    assert.equal(breakers.allow("b|m"), true, "one half-open probe after the cool-down");
    assert.equal(breakers.allow("b|m"), false);
    breakers.success("b|m");
    assert.equal(breakers.state("b|m"), "closed");
  });

  it("prefers a route whose condition holds, and ignores it otherwise", () => {
    const table = new RouteTable(
      () => providers,
      new CircuitBreakers({ failureThreshold: 1, cooldownMs: 1000 }),
    );
    const route = (id: string, condition: string, provider: string, team = "") => ({
      id,
      modelGlob: "*opus*",
      team,
      condition,
      strategy: "fallback" as const,
      targets: [{ provider, weight: 1 }],
    });
    table.setRoutes([
      route("1", "", "a"),
      route("2", "env=prod", "b"),
      route("3", "env=prod", "c", "payments"),
    ]);
    const served = (t: RequestTags) => table.route("claude-opus-5-5", t)[0].provider.name;
    assert.equal(served(tags("search")), "a");
    assert.equal(served(tags("search", null, { env: "prod" })), "b");
    assert.equal(served(tags("payments", null, { env: "prod" })), "c");
    assert.equal(served(tags("payments", null, { env: "dev" })), "a");
  });
});
