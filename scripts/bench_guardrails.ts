/**
 * Guardrail scan cost with the default policy on a real ~50 KB Claude Code request and on a
 * ~1 MB one (the same request with a large tool result), in ms per 100 KB on one core.
 *
 * deno run -A scripts/bench_guardrails.ts
 */
import { compilePolicy, DEFAULT_RULES } from "../src/guardrails/policy.ts";
import { guardRequest } from "../src/guardrails/request_guard.ts";

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../test/fixtures/claude_code_request.json", import.meta.url)),
);
const policy = compilePolicy({ name: "default", rules: DEFAULT_RULES, limits: {} });

function large(): Record<string, unknown> {
  const body = structuredClone(fixture);
  const code = (fixture.system as { text: string }[]).map((b) => b.text).join("\n");
  const toolOutput = code.repeat(Math.ceil(1_000_000 / code.length)).slice(0, 1_000_000);
  body.messages.push({
    role: "user",
    content: [{ type: "tool_result", tool_use_id: "t1", content: toolOutput }],
  });
  return body;
}

export function measureScan(body: Record<string, unknown>, iterations: number) {
  const bytes = new TextEncoder().encode(JSON.stringify(body)).byteLength;
  for (let i = 0; i < 3; i++) guardRequest(body, bytes, policy);
  const started = performance.now();
  let verdicts = {};
  for (let i = 0; i < iterations; i++) verdicts = guardRequest(body, bytes, policy).verdicts;
  const ms = (performance.now() - started) / iterations;
  return { kb: bytes / 1024, msPerRequest: ms, msPer100Kb: ms / (bytes / 102_400), verdicts };
}

if (import.meta.main) {
  for (
    const [name, body, iterations] of [["Claude Code request", fixture, 200], [
      "1 MB request",
      large(),
      20,
    ]] as const
  ) {
    const result = measureScan(body, iterations);
    console.log(
      `${name}: ${result.kb.toFixed(0)} KB, ${result.msPerRequest.toFixed(3)} ms per request, ${
        result.msPer100Kb.toFixed(3)
      } ms per 100 KB, matches ${JSON.stringify(result.verdicts)}`,
    );
  }
}
