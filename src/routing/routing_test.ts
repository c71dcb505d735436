import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Provider } from "../providers/types.ts";
import type { RequestTags } from "../tags/request_tags.ts";
import { CircuitBreakers } from "./circuit_breaker.ts";
import { parseTarget } from "./route.ts";
import { RouteTable } from "./router.ts";

const provider = (name: string) => ({ name, kind: "anthropic" }) as Provider;
const tags = (team: string, sessionId: string | null = null) =>
  ({ team, sessionId }) as RequestTags;

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
        strategy: "fallback",
        targets: [{ provider: "a", weight: 1 }],
      },
      {
        id: "2",
        modelGlob: "*haiku*",
        team: "",
        strategy: "fallback",
        targets: [{ provider: "b", model: "cheap", weight: 1 }],
      },
      {
        id: "3",
        modelGlob: "*",
        team: "payments",
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
});
