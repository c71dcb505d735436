/**
 * `POST /v1/messages` and `POST /v1/messages/count_tokens`: authenticate, read the body, tag,
 * route, forward, relay, settle. Every outcome with a usable key writes exactly one log row;
 * a request without one is only counted, so unauthenticated floods cost no storage.
 */
import { AuthRefusal } from "../auth/auth_refusal.ts";
import { assertModelAllowed, assertProjectAllowed } from "../auth/key_check.ts";
import { newId } from "../db/ids.ts";
import type { CanonicalRequest, Operation } from "../providers/types.ts";
import { errorResponse, GatewayError } from "../server/errors.ts";
import { requestTags } from "../tags/request_tags.ts";
import type { UsageReport } from "../streaming/usage_report.ts";
import { totalInputTokens, type Usage } from "../usage/usage.ts";
import { worstCaseCost } from "../usage/worst_case.ts";
import type { Amount } from "../limits/spend_ledger.ts";
import { chargeeOf } from "../limits/budget.ts";
import type { ParsedBody } from "./read_body.ts";
import { upstreamHeaders } from "./forward_headers.ts";
import { headerValue } from "../providers/header_list.ts";
import type { ProxyDeps } from "./proxy_deps.ts";
import { parseMessagesBody } from "./read_body.ts";
import { relayResponse } from "./relay_response.ts";
import { RequestRecord } from "./request_record.ts";
import { ANTHROPIC_FORMAT, type ClientFormat } from "./client_formats/client_format.ts";
import { guardrailRefusal, guardRequest } from "../guardrails/request_guard.ts";
import { ClientGone } from "./upstream_fetch.ts";
import { forwardWithFailover } from "./failover.ts";
import { searchOf } from "./request_url.ts";

/** The status nginx made popular for "client closed request"; only ever logged. */
const CLIENT_CLOSED = 499;

export async function handleMessages(
  deps: ProxyDeps,
  request: Request,
  operation: Operation,
  format: ClientFormat = ANTHROPIC_FORMAT,
): Promise<Response> {
  const record = new RequestRecord(newId("req"), operation, deps.log);
  try {
    record.key = await deps.authenticator.authenticate(request.headers);
    let body = await parseMessagesBody(request, operation, deps.config.maxBodyBytes, format.adapt);
    record.requestedModel = body.model;
    record.stream = body.stream;
    assertModelAllowed(record.key, body.model);
    record.tags = requestTags(record.key, request.headers);
    assertProjectAllowed(record.key, record.tags.project);
    const policy = deps.guardrails.policyFor(record.key.id, record.tags.team);
    if (policy) {
      const guarded = guardRequest(body.json, body.bytes.byteLength, policy);
      if (Object.keys(guarded.verdicts).length) record.guardrails = { ...guarded.verdicts };
      if (guarded.blocked) throw guardrailRefusal(guarded.blocked);
      if (guarded.redacted) {
        body = {
          ...body,
          json: guarded.body,
          bytes: new TextEncoder().encode(JSON.stringify(guarded.body)),
        };
      }
    }
    let model = body.model;
    let budgetHeaders: Record<string, string> = {};
    // Token counting is free upstream: never limited, never charged.
    if (operation === "messages") {
      const chargee = chargeeOf(record.key, record.tags);
      const acquired = deps.rateLimiter.acquire(chargee);
      const lease = acquired instanceof Promise ? await acquired : acquired;
      record.onFinish.push((done) => lease.release(allTokens(done.usage)));
      const admitted = deps.budgets.admit(chargee, worstCaseOf(deps, body));
      const admission = admitted instanceof Promise ? await admitted : admitted;
      record.onFinish.push((done) =>
        admission.settle({ usd: done.cost.usd, tokens: allTokens(done.usage) })
      );
      if (admission.downgradeModel) model = admission.downgradeModel;
      budgetHeaders = admission.headers;
    }
    const targets = deps.router.route(model, record.tags);
    const canonical: CanonicalRequest = {
      operation,
      bodyBytes: body.bytes,
      body: body.json,
      search: searchOf(request.url),
      headers: withDefaults(upstreamHeaders(request.headers), format.headers()),
      stream: body.stream,
    };
    const { target, response: anthropic } = await forwardWithFailover(
      targets,
      canonical,
      record,
      request.signal,
      {
        ...deps.config.routing,
        firstByteTimeoutMs: deps.config.upstream.firstByteTimeoutMs,
        breakers: deps.breakers,
        connectCheck: deps.connectCheck,
      },
    );
    return format.respond(relayResponse(anthropic, record, {
      providerName: target.provider.name,
      idleTimeoutMs: deps.config.upstream.idleTimeoutMs,
      headers: budgetHeaders,
      nativeFraming: format.nativeFraming,
      outputPolicy: operation === "messages" && anthropic.status === 200 ? policy : undefined,
      settle: (report) => settle(deps, record, operation, anthropic.status, report),
    }));
  } catch (error) {
    if (error instanceof AuthRefusal) {
      // Attributable to no one: a counter, not a row (the record is dropped unfinished).
      deps.authRefusals.add(error.reason);
      return errorResponse(error, record.id);
    }
    if (error instanceof ClientGone) {
      record.clientAborted = true;
      record.finish(CLIENT_CLOSED, { type: "client_closed", message: error.message });
      return new Response(null, { status: CLIENT_CLOSED });
    }
    if (!(error instanceof GatewayError)) console.error(`gw: request ${record.id} failed:`, error);
    const response = errorResponse(error, record.id);
    const known = error instanceof GatewayError ? error : undefined;
    record.finish(response.status, {
      type: known?.type ?? "api_error",
      // Only the class: an unexpected error's message may quote the request (stderr has it).
      message: known?.message ??
        `Internal gateway error (${error instanceof Error ? error.name : typeof error})`,
    });
    return response;
  }
}

function settle(
  deps: ProxyDeps,
  record: RequestRecord,
  operation: Operation,
  status: number,
  report: UsageReport,
): void {
  let usage = report.usage;
  if (report.clientAborted && !report.complete) {
    // Anthropic bills what it generated; the final count never arrived, so estimate it.
    usage = { ...usage, outputTokens: Math.max(usage.outputTokens, report.estimatedOutputTokens) };
  }
  record.usage = usage;
  record.servedModel = report.servedModel ?? record.servedModel;
  record.firstByteAt = report.firstByteAt;
  record.clientAborted = report.clientAborted;
  // Token counting is free upstream, so it is never billed.
  if (operation === "messages") record.cost = deps.pricing.cost(record.servedModel ?? "", usage);
  const error = report.error ??
    (report.clientAborted
      ? { type: "client_closed", message: "Client closed the stream" }
      : undefined);
  record.finish(report.clientAborted ? CLIENT_CLOSED : status, error);
}

function allTokens(usage: Usage): number {
  return totalInputTokens(usage) + usage.outputTokens;
}

/** What a request may cost at most: what hard budgets hold for it while it runs. */
function worstCaseOf(deps: ProxyDeps, body: ParsedBody): Amount {
  return worstCaseCost(
    deps.pricing,
    body.model,
    body.bytes.byteLength,
    body.json.max_tokens,
    deps.config.budgets.outputEstimateTokens,
  );
}

/** Adds headers the client format supplies, without overriding what the client sent. */
function withDefaults(
  headers: [string, string][],
  defaults: Record<string, string>,
): [string, string][] {
  for (const [name, value] of Object.entries(defaults)) {
    if (headerValue(headers, name) === null) headers.push([name, value]);
  }
  return headers;
}
