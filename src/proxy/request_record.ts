/**
 * Collects what one request did as it happens and turns it into exactly one log row, however
 * the request ends: refused, failed upstream, completed, or abandoned by the client. The one
 * place rows are built, so the one place text from clients and upstreams is bounded.
 */
import type { KeyRecord } from "../db/repos/keys_repo.ts";
import {
  clip,
  ERROR_MESSAGE_CHARS,
  ERROR_TYPE_CHARS,
  MODEL_CHARS,
  TAG_CHARS,
} from "../logging/client_text.ts";
import type { SpendIncrement } from "../limits/spend_ledger.ts";
import type { RequestLog } from "../logging/request_log.ts";
import type { RequestTags } from "../tags/request_tags.ts";
import type { Cost } from "../usage/cost.ts";
import { MAX_TOKENS_PER_REQUEST, type Usage, ZERO_USAGE } from "../usage/usage.ts";

/** How a row whose usage or cost was clamped is marked when nothing else went wrong. */
export const USAGE_CLAMPED = {
  type: "usage_clamped",
  message: `Upstream reported token counts or a cost out of range (negative, non-finite or over ${
    MAX_TOKENS_PER_REQUEST.toLocaleString("en-US")
  } tokens); clamped, cost estimated`,
};

export class RequestRecord {
  readonly startedAt = Date.now();
  key?: KeyRecord;
  tags?: RequestTags;
  provider?: string;
  requestedModel?: string;
  servedModel?: string;
  stream = false;
  attempts = 0;
  usage: Usage = ZERO_USAGE;
  cost: Cost = { usd: 0, estimated: false };
  firstByteAt?: number;
  clientAborted = false;
  /** Guardrail rule → matches; output rules are prefixed `output:`. Never values. */
  guardrails: Record<string, number> | null = null;
  /** Releases rate-limit leases and budget reservations; returns the spend to book. */
  readonly onFinish: ((record: RequestRecord) => SpendIncrement[] | void)[] = [];
  private written = false;

  constructor(
    readonly id: string,
    readonly endpoint: string,
    private readonly sink: (row: RequestLog, spend: SpendIncrement[]) => void,
  ) {}

  /** Writes the row; later calls are ignored so no request is counted twice. */
  finish(status: number, error?: { type: string; message: string }): void {
    if (this.written) return;
    this.written = true;
    const now = Date.now();
    const spend = this.onFinish.flatMap((hook) => hook(this) ?? []);
    const clamped = this.usage.clamped === true || this.cost.clamped === true;
    error ??= clamped ? USAGE_CLAMPED : undefined;
    this.sink({
      id: this.id,
      ts: this.startedAt,
      endpoint: this.endpoint,
      keyId: this.key?.id ?? null,
      keyPrefix: this.key?.prefix ?? null,
      team: this.tags?.team ?? this.key?.team ?? null,
      department: clip(this.tags?.department ?? null, TAG_CHARS),
      user: clip(this.tags?.user ?? null, TAG_CHARS),
      project: clip(this.tags?.project ?? null, TAG_CHARS),
      env: clip(this.tags?.env ?? null, TAG_CHARS),
      tags: clipTags(this.tags?.tags ?? {}),
      sessionId: clip(this.tags?.sessionId ?? null, TAG_CHARS),
      agentId: clip(this.tags?.agentId ?? null, TAG_CHARS),
      parentAgentId: clip(this.tags?.parentAgentId ?? null, TAG_CHARS),
      provider: this.provider ?? null,
      requestedModel: clip(this.requestedModel ?? null, MODEL_CHARS),
      servedModel: clip(this.servedModel ?? null, MODEL_CHARS),
      stream: this.stream,
      status,
      errorType: clip(error?.type ?? null, ERROR_TYPE_CHARS),
      errorMessage: clip(error?.message ?? null, ERROR_MESSAGE_CHARS),
      inputTokens: this.usage.inputTokens,
      outputTokens: this.usage.outputTokens,
      cacheWrite5mTokens: this.usage.cacheWrite5mTokens,
      cacheWrite1hTokens: this.usage.cacheWrite1hTokens,
      cacheReadTokens: this.usage.cacheReadTokens,
      costUsd: this.cost.usd,
      costEstimated: this.cost.estimated || clamped,
      latencyMs: now - this.startedAt,
      ttfbMs: this.firstByteAt === undefined ? null : this.firstByteAt - this.startedAt,
      attempts: this.attempts,
      clientAborted: this.clientAborted,
      guardrails: this.guardrails,
    }, spend);
  }
}

/** Tags are bounded where they are read from headers; this keeps the row's bound on its own. */
function clipTags(tags: Record<string, string>): Record<string, string> {
  for (const value of Object.values(tags)) {
    if (value.length > TAG_CHARS) {
      return Object.fromEntries(
        Object.entries(tags).map(([name, text]) => [clip(name, TAG_CHARS), clip(text, TAG_CHARS)]),
      );
    }
  }
  return tags;
}
