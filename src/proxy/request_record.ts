/**
 * Collects what one request did as it happens and turns it into exactly one log row, however
 * the request ends: refused, failed upstream, completed, or abandoned by the client.
 */
import type { KeyRecord } from "../db/repos/keys_repo.ts";
import type { SpendIncrement } from "../limits/spend_ledger.ts";
import type { RequestLog } from "../logging/request_log.ts";
import type { RequestTags } from "../tags/request_tags.ts";
import type { Cost } from "../usage/cost.ts";
import { type Usage, ZERO_USAGE } from "../usage/usage.ts";

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
    this.sink({
      id: this.id,
      ts: this.startedAt,
      endpoint: this.endpoint,
      keyId: this.key?.id ?? null,
      keyPrefix: this.key?.prefix ?? null,
      team: this.tags?.team ?? this.key?.team ?? null,
      department: this.tags?.department ?? null,
      user: this.tags?.user ?? null,
      project: this.tags?.project ?? null,
      env: this.tags?.env ?? null,
      tags: this.tags?.tags ?? {},
      sessionId: this.tags?.sessionId ?? null,
      agentId: this.tags?.agentId ?? null,
      parentAgentId: this.tags?.parentAgentId ?? null,
      provider: this.provider ?? null,
      requestedModel: this.requestedModel ?? null,
      servedModel: this.servedModel ?? null,
      stream: this.stream,
      status,
      errorType: error?.type ?? null,
      errorMessage: error?.message.slice(0, 500) ?? null,
      inputTokens: this.usage.inputTokens,
      outputTokens: this.usage.outputTokens,
      cacheWrite5mTokens: this.usage.cacheWrite5mTokens,
      cacheWrite1hTokens: this.usage.cacheWrite1hTokens,
      cacheReadTokens: this.usage.cacheReadTokens,
      costUsd: this.cost.usd,
      costEstimated: this.cost.estimated,
      latencyMs: now - this.startedAt,
      ttfbMs: this.firstByteAt === undefined ? null : this.firstByteAt - this.startedAt,
      attempts: this.attempts,
      clientAborted: this.clientAborted,
      guardrails: this.guardrails,
    }, spend);
  }
}
