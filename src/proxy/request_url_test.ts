import assert from "node:assert/strict";
import { it } from "node:test";
import { decodeSegment, pathOf, searchOf } from "./request_url.ts";
import { parseBedrockPath } from "./client_formats/bedrock_format.ts";
import { parseVertexPath } from "./client_formats/vertex_format.ts";

it("reads path and query string as URL does", () => {
  for (
    const url of [
      "http://127.0.0.1:8787/v1/messages?beta=true",
      "http://gw.example.com/v1/messages",
      "http://[::1]:8787/v1/messages/count_tokens?a=1&b=2#x",
      "http://h/v1/messages?",
    ]
  ) {
    const parsed = new URL(url);
    assert.equal(pathOf(url), parsed.pathname, url);
    assert.equal(searchOf(url), parsed.search, url);
  }
});

it("decodes path segments and turns broken percent-encoding into no route, not a throw", () => {
  assert.equal(decodeSegment("claude%40v1"), "claude@v1");
  for (const broken of ["%E0%A4%A", "%", "%zz", "%C3%28"]) {
    assert.equal(decodeSegment(broken), undefined, broken);
    assert.equal(parseBedrockPath(`/bedrock/model/${broken}/invoke`), undefined);
    assert.equal(
      parseVertexPath(
        `/vertex/v1/projects/p/locations/l/publishers/anthropic/models/${broken}:rawPredict`,
      ),
      undefined,
    );
  }
});
