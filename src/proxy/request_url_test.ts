import assert from "node:assert/strict";
import { it } from "node:test";
import { pathOf, searchOf } from "./request_url.ts";

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
