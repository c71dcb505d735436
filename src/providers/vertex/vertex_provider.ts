/**
 * Google Vertex AI: the model and project in the URL, `anthropic_version` in the body, betas
 * in the header, an OAuth token from a service account. Responses are Anthropic JSON and SSE
 * already; Google's own platform errors are reshaped into Anthropic errors, message kept.
 */
import { anthropicError, errorTypeForStatus, rewriteSmallBody } from "../error_body.ts";
import { formatOf, type Provider, type ProviderFactory } from "../types.ts";
import { GoogleTokenSource, type ServiceAccount } from "./google_token.ts";

export const VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";

export interface VertexConfig {
  project: string;
  region: string;
  tokenUrl?: string;
}

/** The host for a location: global, the `us`/`eu` multi-regions, or a region. */
export function vertexHost(region: string): string {
  if (region === "global") return "https://aiplatform.googleapis.com";
  if (region === "us" || region === "eu") return `https://aiplatform.${region}.rep.googleapis.com`;
  return `https://${region}-aiplatform.googleapis.com`;
}

/** Vertex rejects `model` in the body of a predict call and needs its own version tag. */
export function vertexBody(
  body: Readonly<Record<string, unknown>>,
  keepModel: boolean,
): Record<string, unknown> {
  const { model, ...rest } = body;
  return {
    ...(keepModel ? { model } : {}),
    ...rest,
    anthropic_version: rest.anthropic_version ?? VERTEX_ANTHROPIC_VERSION,
  };
}

/** Google errors arrive as `{"error":{…}}`, sometimes inside a one-element array. */
function googleMessage(text: string): string {
  try {
    const parsed = JSON.parse(text);
    const error = (Array.isArray(parsed) ? parsed[0] : parsed)?.error;
    if (typeof error?.message === "string") return error.message;
    if (typeof error === "object" && error?.type) return String(error.message ?? "");
  } catch {
    // Not JSON: the text is the message.
  }
  return text;
}

/**
 * @example
 * createVertexProvider({ name: "vertex-eu", baseUrl: null, config: { project: "p", region: "europe-west1" },
 *   secret: serviceAccountJson });
 */
export const createVertexProvider: ProviderFactory = (settings) => {
  const config = settings.config as unknown as VertexConfig;
  if (!config.project || !config.region) {
    throw new Error(`Vertex provider ${settings.name} needs project and region`);
  }
  const tokens = new GoogleTokenSource(JSON.parse(settings.secret) as ServiceAccount, {
    tokenUri: config.tokenUrl,
    timeoutMs: settings.authTimeoutMs,
  });
  const base = (settings.baseUrl ?? vertexHost(config.region)).replace(/\/+$/, "");
  const prefix = `${base}/v1/projects/${encodeURIComponent(config.project)}/locations/${
    encodeURIComponent(config.region)
  }/publishers/anthropic/models`;

  const provider: Provider = {
    name: settings.name,
    kind: "vertex",
    async buildRequest(request, model, signal) {
      const counting = request.operation === "count_tokens";
      const url = counting
        ? `${prefix}/count-tokens:rawPredict`
        : `${prefix}/${encodeURIComponent(model)}:${
          request.stream ? "streamRawPredict" : "rawPredict"
        }`;
      const body = vertexBody(counting ? { ...request.body, model } : request.body, counting);
      const headers = new Headers({ "content-type": "application/json" });
      for (const [name, value] of request.headers) {
        if (name.startsWith("anthropic-")) headers.set(name, value);
      }
      headers.set("authorization", `Bearer ${await tokens.accessToken(signal)}`);
      return { url, init: { method: "POST", headers, body: JSON.stringify(body), signal } };
    },
    toAnthropic(response) {
      const contentType = response.headers.get("content-type");
      if (response.ok) {
        return {
          status: response.status,
          headers: response.headers,
          body: response.body,
          format: formatOf(contentType),
        };
      }
      const requestId = response.headers.get("x-request-id") ?? "";
      return {
        status: response.status,
        headers: new Headers({ "content-type": "application/json" }),
        format: "json",
        body: rewriteSmallBody(response.body, (text) => {
          // Model-level errors are already Anthropic-shaped: forward them unmodified.
          try {
            if (JSON.parse(text)?.type === "error") return text;
          } catch {
            // Fall through to reshaping.
          }
          return anthropicError(
            errorTypeForStatus(response.status),
            googleMessage(text),
            requestId,
          );
        }),
      };
    },
  };
  return provider;
};
