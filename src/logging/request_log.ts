/** One row of the request log: everything needed to attribute, price and debug a request. */
export interface RequestLog {
  id: string;
  ts: number;
  endpoint: string;
  keyId: string | null;
  keyPrefix: string | null;
  team: string | null;
  department: string | null;
  user: string | null;
  project: string | null;
  env: string | null;
  tags: Record<string, string>;
  sessionId: string | null;
  agentId: string | null;
  parentAgentId: string | null;
  provider: string | null;
  requestedModel: string | null;
  servedModel: string | null;
  stream: boolean;
  status: number;
  errorType: string | null;
  errorMessage: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  costUsd: number;
  costEstimated: boolean;
  latencyMs: number | null;
  ttfbMs: number | null;
  attempts: number;
  clientAborted: boolean;
  guardrails: Record<string, number> | null;
}
