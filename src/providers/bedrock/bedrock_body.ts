/**
 * Turns an Anthropic Messages body into what Bedrock's InvokeModel accepts. Bedrock rejects
 * unknown fields ("Extra inputs are not permitted"), so what it lacks is listed here, in one
 * table, rather than scattered through the code. Admins can extend it per provider with
 * `dropFields` when a new Claude Code release sends something Bedrock does not take yet.
 */

export const BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

/** Top-level fields Bedrock does not accept or takes from elsewhere (`model` is in the URL). */
export const BEDROCK_UNSUPPORTED_FIELDS: readonly string[] = [
  "model",
  "stream",
  "cache_control",
  "container",
  "mcp_servers",
  "service_tier",
  "inference_geo",
  "speed",
];

/** Tool fields that belong to first-party-only betas. */
const UNSUPPORTED_TOOL_FIELDS = ["defer_loading", "eager_input_streaming"];

/** Server tools (web search, code execution…) run only on Anthropic's API. */
function isServerTool(tool: unknown): boolean {
  const type = (tool as { type?: unknown })?.type;
  return typeof type === "string" && type !== "custom";
}

/**
 * @example
 * bedrockBody({ model: "m", stream: true, messages: [] }, "a,b");
 * // { messages: [], anthropic_version: "bedrock-2023-05-31", anthropic_beta: ["a", "b"] }
 */
export function bedrockBody(
  body: Readonly<Record<string, unknown>>,
  betaHeader: string | null,
  extraDrops: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const drop = new Set([...BEDROCK_UNSUPPORTED_FIELDS, ...extraDrops]);
  for (const [field, value] of Object.entries(body)) {
    if (!drop.has(field)) out[field] = value;
  }
  if (Array.isArray(body.tools)) {
    out.tools = body.tools.filter((tool) => !isServerTool(tool)).map((tool) => {
      const copy = { ...(tool as Record<string, unknown>) };
      for (const field of UNSUPPORTED_TOOL_FIELDS) delete copy[field];
      return copy;
    });
  }
  out.anthropic_version ??= BEDROCK_ANTHROPIC_VERSION;
  const betas = (betaHeader ?? "").split(",").map((beta) => beta.trim()).filter(Boolean);
  if (betas.length > 0 && out.anthropic_beta === undefined) out.anthropic_beta = betas;
  return out;
}
