/**
 * AWS Bedrock InvokeModel: the model in the URL, `anthropic_version` and betas in the body,
 * SigV4 (or a Bedrock API key as bearer token), and the event stream turned into SSE.
 */
import { headerValue } from "../header_list.ts";
import { toBase64 } from "../../crypto/base64.ts";
import { anthropicError, errorTypeForStatus, rewriteSmallBody } from "../error_body.ts";
import { formatOf, type Provider, type ProviderFactory } from "../types.ts";
import { bedrockBody } from "./bedrock_body.ts";
import { bedrockToSse, exceptionType } from "./bedrock_stream.ts";
import { type AwsCredentials, signRequest } from "./sigv4.ts";
import { EVENT_STREAM_FRAMING } from "./event_stream.ts";
import { EventStreamUsageTap } from "./event_stream_usage_tap.ts";

export interface BedrockConfig {
  region: string;
  /** Extra top-level body fields to drop for this account. */
  dropFields?: string[];
  pingIntervalMs?: number;
}

/** The sealed secret: SigV4 credentials, or a Bedrock API key. */
export type BedrockSecret = AwsCredentials | { bearerToken: string };

const DEFAULT_PING_MS = 10_000;

/**
 * @example
 * createBedrockProvider({ name: "bedrock-us", baseUrl: null, config: { region: "us-east-1" },
 *   secret: JSON.stringify({ accessKeyId, secretAccessKey }) });
 */
export const createBedrockProvider: ProviderFactory = (settings) => {
  const config = settings.config as unknown as BedrockConfig;
  if (!config.region) throw new Error(`Bedrock provider ${settings.name} has no region`);
  const secret = JSON.parse(settings.secret) as BedrockSecret;
  const base = (settings.baseUrl ?? `https://bedrock-runtime.${config.region}.amazonaws.com`)
    .replace(/\/+$/, "");
  const pingIntervalMs = config.pingIntervalMs ?? DEFAULT_PING_MS;

  const provider: Provider = {
    name: settings.name,
    kind: "bedrock",
    buildRequest(request, model, signal) {
      const invokeBody = bedrockBody(
        request.body,
        headerValue(request.headers, "anthropic-beta"),
        config.dropFields,
      );
      let action: string;
      let payload: unknown;
      if (request.operation === "count_tokens") {
        action = "count-tokens";
        delete invokeBody.max_tokens;
        payload = {
          input: {
            invokeModel: {
              body: toBase64(
                new TextEncoder().encode(JSON.stringify({ ...invokeBody, max_tokens: 1 })),
              ),
            },
          },
        };
      } else {
        action = request.stream ? "invoke-with-response-stream" : "invoke";
        payload = invokeBody;
      }
      const url = new URL(`${base}/model/${encodeURIComponent(model)}/${action}`);
      const body = new TextEncoder().encode(JSON.stringify(payload));
      let headers = new Headers({
        "content-type": "application/json",
        accept: request.stream && action !== "count-tokens"
          ? "application/vnd.amazon.eventstream"
          : "application/json",
      });
      if ("bearerToken" in secret) headers.set("authorization", `Bearer ${secret.bearerToken}`);
      else {
        headers = signRequest({
          method: "POST",
          url,
          headers,
          body,
          region: config.region,
          service: "bedrock",
          credentials: secret,
          now: new Date(),
        });
      }
      return Promise.resolve({ url: url.href, init: { method: "POST", headers, body, signal } });
    },
    toAnthropic(response, request) {
      const requestId = response.headers.get("x-amzn-requestid") ?? "";
      const headers = new Headers({ "request-id": requestId });
      if (!response.ok) {
        const errorName = (response.headers.get("x-amzn-errortype") ?? "").split(":")[0];
        const type = errorName ? exceptionType(errorName) : errorTypeForStatus(response.status);
        headers.set("content-type", "application/json");
        return {
          status: response.status,
          headers,
          format: "json",
          body: rewriteSmallBody(response.body, (text) => {
            let message = text;
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? text;
            } catch {
              // Not JSON: keep the text as the message.
            }
            return anthropicError(type, message, requestId);
          }),
        };
      }
      if (request.operation === "count_tokens") {
        headers.set("content-type", "application/json");
        return {
          status: 200,
          headers,
          format: "json",
          body: rewriteSmallBody(response.body, (text) => {
            const count = (JSON.parse(text) as { inputTokens?: number }).inputTokens ?? 0;
            return JSON.stringify({ input_tokens: count });
          }),
        };
      }
      const contentType = response.headers.get("content-type") ?? "";
      if (contentType.includes("amazon.eventstream") && response.body) {
        headers.set("content-type", "text/event-stream; charset=utf-8");
        headers.set("cache-control", "no-cache");
        const raw = response.body;
        let converted: ReadableStream<Uint8Array> | undefined;
        return {
          status: 200,
          headers,
          format: "sse",
          // Built on first read: a Bedrock-mode client takes the raw stream instead.
          get body() {
            return converted ??= bedrockToSse(raw, requestId, pingIntervalMs);
          },
          native: {
            framing: EVENT_STREAM_FRAMING,
            contentType: "application/vnd.amazon.eventstream",
            body: raw,
            tap: () => new EventStreamUsageTap(requestId),
          },
        };
      }
      headers.set("content-type", contentType);
      return {
        status: response.status,
        headers,
        body: response.body,
        format: formatOf(contentType),
      };
    },
  };
  return provider;
};
