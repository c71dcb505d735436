/** The benchmarks' request: Claude-Code-like (system blocks with cache_control, metadata). */
export function benchBody(sizeKb: number, stream: boolean): string {
  const filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ";
  const base = {
    model: "claude-sonnet-5-5",
    max_tokens: 32000,
    stream,
    system: [
      { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.328; cc_entrypoint=cli;" },
      { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } },
    ],
    messages: [{ role: "user", content: [{ type: "text", text: "" }] }],
    metadata: { user_id: '{"device_id":"d","account_uuid":"","session_id":"s"}' },
  };
  const empty = JSON.stringify(base).length;
  base.messages[0].content[0].text = filler.repeat(
    Math.max(1, Math.ceil((sizeKb * 1024 - empty) / filler.length)),
  );
  return JSON.stringify(base);
}
