/**
 * Claude Code in Vertex mode (`CLAUDE_CODE_USE_VERTEX=1`,
 * `ANTHROPIC_VERTEX_BASE_URL=<gw>/vertex/v1`): rawPredict bodies in, Anthropic JSON or SSE
 * out (Vertex answers in Anthropic's framing already).
 */
import { decodeSegment } from "../request_url.ts";
import type { ClientFormat } from "./client_format.ts";

export type VertexAction = "rawPredict" | "streamRawPredict";

const VERTEX_PATH =
  /^\/vertex\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

export function parseVertexPath(
  pathname: string,
): { model: string; action: VertexAction } | undefined {
  const match = VERTEX_PATH.exec(pathname);
  if (!match) return undefined;
  const model = decodeSegment(match[1]);
  return model === undefined ? undefined : { model, action: match[2] as VertexAction };
}

/** The model in the URL; `count-tokens` carries it in the body. */
export function vertexFormat(model: string): ClientFormat {
  return {
    adapt(body) {
      const { anthropic_version: _version, ...rest } = body;
      return model === "count-tokens" ? rest : { ...rest, model };
    },
    // Vertex clients put the version in the body; Anthropic upstreams require the header.
    headers: () => ({ "anthropic-version": "2023-06-01" }),
    respond: (response) => response,
  };
}
