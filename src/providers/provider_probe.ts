/** `gw providers test`: one tiny request through an adapter, timed. */
import type { Provider } from "./types.ts";

export interface ProbeResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error?: string;
  /** The upstream's `date` header, for clock-skew checks. */
  serverDate?: number;
}

export async function testProvider(
  provider: Provider,
  model: string,
  timeoutMs = 30_000,
): Promise<ProbeResult> {
  const body = { model, max_tokens: 1, messages: [{ role: "user", content: "ping" }] };
  const started = Date.now();
  try {
    const request = await provider.buildRequest(
      {
        operation: "messages",
        bodyBytes: new TextEncoder().encode(JSON.stringify(body)),
        body,
        search: "",
        headers: [["anthropic-version", "2023-06-01"]],
        stream: false,
      },
      model,
      AbortSignal.timeout(timeoutMs),
    );
    const upstream = await fetch(request.url, request.init);
    const dateHeader = upstream.headers.get("date");
    const serverDate = dateHeader ? Date.parse(dateHeader) : undefined;
    const response = provider.toAnthropic(upstream, {
      operation: "messages",
      bodyBytes: new Uint8Array(),
      body,
      search: "",
      headers: [],
      stream: false,
    });
    const text = response.body ? await new Response(response.body).text() : "";
    const latencyMs = Date.now() - started;
    if (response.status >= 400) {
      let message = text.slice(0, 300);
      try {
        message = JSON.parse(text).error?.message ?? message;
      } catch {
        // Keep the raw text.
      }
      return {
        ok: false,
        status: response.status,
        latencyMs,
        error: `HTTP ${response.status}: ${message}`,
        serverDate,
      };
    }
    return { ok: true, status: response.status, latencyMs, serverDate };
  } catch (error) {
    return {
      ok: false,
      status: null,
      latencyMs: Date.now() - started,
      error: (error as Error).message,
    };
  }
}
