/**
 * Claude Code in Bedrock mode (`CLAUDE_CODE_USE_BEDROCK=1`,
 * `ANTHROPIC_BEDROCK_BASE_URL=<gw>/bedrock`): InvokeModel bodies in, JSON or AWS event stream
 * out, plus the inference-profile listing it asks for first.
 */
import { decodeSegment } from "../request_url.ts";
import { fromBase64 } from "../../crypto/base64.ts";
import { sseToEventStream } from "../../providers/bedrock/sse_to_event_stream.ts";
import { EVENT_STREAM_FRAMING } from "../../providers/bedrock/event_stream.ts";
import { canonicalModel } from "../../usage/pricing.ts";
import type { ClientFormat } from "./client_format.ts";

export type BedrockAction = "invoke" | "invoke-with-response-stream" | "count-tokens";

const BEDROCK_PATH =
  /^\/bedrock\/model\/([^/]+)\/(invoke|invoke-with-response-stream|count-tokens)$/;
const PROFILE_PREFIXES = ["global", "us", "eu", "apac", "jp", "au"];

/** `/bedrock/model/{id}/{action}` → the model id (decoded) and the action. */
export function parseBedrockPath(
  pathname: string,
): { modelId: string; action: BedrockAction } | undefined {
  const match = BEDROCK_PATH.exec(pathname);
  if (!match) return undefined;
  const modelId = decodeSegment(match[1]);
  return modelId === undefined ? undefined : { modelId, action: match[2] as BedrockAction };
}

/**
 * The client model name gw routes on: the Bedrock id reduced to its Claude name
 * (`us.anthropic.claude-opus-5-5` → `claude-opus-5-5`), so one set of routes serves every mode.
 */
export function bedrockFormat(modelId: string, action: BedrockAction): ClientFormat {
  const model = canonicalModel(modelId);
  // Created per request: the betas read from the body are handed to `headers`.
  let betas: Record<string, string> = {};
  return {
    adapt(body) {
      const invoke = action === "count-tokens"
        ? JSON.parse(
          new TextDecoder().decode(
            fromBase64(
              String((body.input as { invokeModel?: { body?: string } })?.invokeModel?.body ?? ""),
            ),
          ),
        ) as Record<string, unknown>
        : body;
      const { anthropic_version: _version, anthropic_beta: betaList, max_tokens, ...rest } = invoke;
      if (Array.isArray(betaList) && betaList.length > 0) {
        betas = { "anthropic-beta": betaList.join(",") };
      }
      return {
        model,
        ...rest,
        ...(action === "count-tokens" ? {} : { max_tokens }),
        ...(action === "invoke-with-response-stream" ? { stream: true } : {}),
      };
    },
    // The AWS SDK sends no `anthropic-version`; Anthropic upstreams require one.
    headers: () => ({ "anthropic-version": "2023-06-01", ...betas }),
    nativeFraming: EVENT_STREAM_FRAMING,
    respond(response) {
      if (action === "count-tokens" && response.ok) {
        const rewritten = response.json().then((json: { input_tokens?: number }) =>
          JSON.stringify({ inputTokens: json.input_tokens ?? 0 })
        );
        return new Response(
          ReadableStream.from((async function* () {
            yield new TextEncoder().encode(await rewritten);
          })()),
          { status: 200, headers: { "content-type": "application/json" } },
        );
      }
      if (
        !response.ok || !response.body ||
        !(response.headers.get("content-type") ?? "").includes("event-stream")
      ) return response;
      const headers = new Headers(response.headers);
      headers.set("content-type", "application/vnd.amazon.eventstream");
      headers.set("x-amzn-bedrock-content-type", "application/json");
      return new Response(response.body.pipeThrough(sseToEventStream()), {
        status: response.status,
        headers,
      });
    },
  };
}

/** `GET /bedrock/inference-profiles`: a system-defined profile per known model and geography. */
export function inferenceProfiles(models: readonly string[], region: string) {
  const summaries = models.flatMap((model) =>
    PROFILE_PREFIXES.map((prefix) => ({
      inferenceProfileId: `${prefix}.anthropic.${model}`,
      inferenceProfileName: `${prefix.toUpperCase()} ${model}`,
      inferenceProfileArn:
        `arn:aws:bedrock:${region}::inference-profile/${prefix}.anthropic.${model}`,
      status: "ACTIVE",
      type: "SYSTEM_DEFINED",
      models: [{ modelArn: `arn:aws:bedrock:${region}::foundation-model/anthropic.${model}` }],
    }))
  );
  return { inferenceProfileSummaries: summaries };
}

export function inferenceProfile(id: string, region: string) {
  const base = id.replace(/^[a-z-]+\.(?=anthropic\.)/, "");
  return {
    inferenceProfileId: id,
    inferenceProfileName: id,
    inferenceProfileArn: `arn:aws:bedrock:${region}::inference-profile/${id}`,
    status: "ACTIVE",
    type: "SYSTEM_DEFINED",
    models: [{ modelArn: `arn:aws:bedrock:${region}::foundation-model/${base}` }],
  };
}
