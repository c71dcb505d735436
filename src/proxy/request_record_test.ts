import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RequestLog } from "../logging/request_log.ts";
import { MAX_TOKENS_PER_REQUEST, mergeUsage, ZERO_USAGE } from "../usage/usage.ts";
import { PriceTable } from "../usage/cost.ts";
import { RequestRecord, USAGE_CLAMPED } from "./request_record.ts";

function finished(
  setup: (record: RequestRecord) => void,
  error?: { type: string; message: string },
) {
  const rows: RequestLog[] = [];
  const record = new RequestRecord("req_1", "messages", (row) => rows.push(row));
  setup(record);
  record.finish(200, error);
  return rows[0];
}

describe("RequestRecord", () => {
  it("bounds every text a client or upstream chose", () => {
    const huge = "m".repeat(4 << 20);
    const row = finished((record) => {
      record.requestedModel = huge;
      record.servedModel = huge;
      record.tags = {
        team: "payments",
        department: null,
        user: huge,
        project: huge,
        env: huge,
        tags: { ci: huge },
        sessionId: huge,
        agentId: huge,
        parentAgentId: huge,
      };
    }, { type: huge, message: huge });
    assert.equal(row.requestedModel!.length, 200);
    assert.equal(row.servedModel!.length, 200);
    for (const text of [row.user, row.project, row.env, row.sessionId, row.agentId, row.tags.ci]) {
      assert.equal(text!.length, 256);
    }
    assert.equal(row.parentAgentId!.length, 256);
    assert.equal(row.errorType!.length, 64);
    assert.equal(row.errorMessage!.length, 500);
  });

  it("marks a row whose usage was clamped, with a finite cost", () => {
    const row = finished((record) => {
      record.usage = mergeUsage(ZERO_USAGE, { input_tokens: 1e308, output_tokens: 10 });
      record.cost = new PriceTable().cost("claude-opus-5-5", record.usage);
    });
    assert.equal(row.inputTokens, MAX_TOKENS_PER_REQUEST);
    assert.ok(Number.isFinite(row.costUsd) && row.costUsd > 0);
    assert.equal(row.costEstimated, true);
    assert.equal(row.errorType, USAGE_CLAMPED.type);
    assert.equal(row.status, 200);
  });

  it("keeps a real error over the clamp mark", () => {
    const row = finished((record) => {
      record.usage = mergeUsage(ZERO_USAGE, { output_tokens: -5 });
    }, { type: "overloaded_error", message: "Overloaded" });
    assert.equal(row.errorType, "overloaded_error");
    assert.equal(row.costEstimated, true);
  });

  it("leaves a normal row unmarked", () => {
    const row = finished((record) => {
      record.usage = mergeUsage(ZERO_USAGE, { input_tokens: 10, output_tokens: 10 });
    });
    assert.equal(row.errorType, null);
    assert.equal(row.costEstimated, false);
  });
});
