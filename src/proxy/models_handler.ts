/**
 * `GET /v1/models`: the models this key may use, in Anthropic's list format, answered from
 * memory so Claude Code's 3 s discovery never times out.
 */
import { AuthRefusal } from "../auth/auth_refusal.ts";
import { compileGlob } from "../auth/glob.ts";
import { errorResponse } from "../server/errors.ts";
import { newId } from "../db/ids.ts";
import type { ProxyDeps } from "./proxy_deps.ts";

const CREATED_AT = "2025-01-01T00:00:00Z";

export async function handleModels(deps: ProxyDeps, request: Request): Promise<Response> {
  const requestId = newId("req");
  try {
    const key = await deps.authenticator.authenticate(request.headers);
    const globs = key.models.map(compileGlob);
    const explicit = key.models.filter((model) => !/[*?]/.test(model));
    const ids = [...new Set([...deps.modelCatalog(), ...explicit])]
      .filter((id) => globs.length === 0 || globs.some((glob) => glob.test(id)))
      .sort();
    const url = new URL(request.url);
    const limit = Math.min(Math.max(Number(url.searchParams.get("limit")) || 20, 1), 1000);
    const afterId = url.searchParams.get("after_id");
    const start = afterId ? ids.indexOf(afterId) + 1 : 0;
    const page = ids.slice(start, start + limit);
    return Response.json({
      data: page.map((id) => ({ type: "model", id, display_name: id, created_at: CREATED_AT })),
      has_more: start + limit < ids.length,
      first_id: page[0] ?? null,
      last_id: page.at(-1) ?? null,
    }, { headers: { "request-id": requestId } });
  } catch (error) {
    if (error instanceof AuthRefusal) deps.authRefusals.add(error.reason);
    return errorResponse(error, requestId);
  }
}
