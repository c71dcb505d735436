import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyRecord } from "../db/repos/keys_repo.ts";
import { GatewayError } from "../server/errors.ts";
import { assertProjectAllowed } from "./key_check.ts";

const key = { prefix: "gw_abcdefgh", projects: ["checkout", "billing"] } as KeyRecord;

function refusal(project: string | null, record = key): GatewayError {
  try {
    assertProjectAllowed(record, project);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("not refused");
}

describe("assertProjectAllowed", () => {
  it("allows any project, or none, when the key has no list", () => {
    const open = { ...key, projects: [] };
    assertProjectAllowed(open, "anything");
    assertProjectAllowed(open, null);
  });

  it("allows the listed projects only", () => {
    assertProjectAllowed(key, "checkout");
    assertProjectAllowed(key, "billing");
    const error = refusal("elsewhere");
    assert.equal(error.status, 403);
    assert.equal(error.type, "permission_error");
    assert.equal(error.retryable, false);
    assert.equal(
      error.message,
      "gw key gw_abcdefgh… may not be used for project elsewhere; allowed: checkout, billing",
    );
  });

  it("refuses a request that names no project, and says so", () => {
    assert.match(refusal(null).message, /restricted to projects checkout, billing.*names none/);
  });

  it("clips the project the client sent", () => {
    const message = refusal("p".repeat(10_000)).message;
    assert.ok(message.length < 200, message);
    assert.match(message, /p…; allowed/);
  });
});
