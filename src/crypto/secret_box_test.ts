import assert from "node:assert/strict";
import { it } from "node:test";
import { SecretBox } from "./secret_box.ts";

it("round-trips a secret and never stores it in clear", async () => {
  const box = await SecretBox.fromMasterKey(SecretBox.generateMasterKey());
  const sealed = await box.seal("sk-ant-api03-very-secret");
  assert.ok(!sealed.includes("very-secret"));
  assert.notEqual(sealed, await box.seal("sk-ant-api03-very-secret"), "a fresh IV every time");
  assert.equal(await box.open(sealed), "sk-ant-api03-very-secret");
});

it("refuses the wrong master key and tampered data", async () => {
  const box = await SecretBox.fromMasterKey(SecretBox.generateMasterKey());
  const other = await SecretBox.fromMasterKey(SecretBox.generateMasterKey());
  const sealed = await box.seal("secret");
  await assert.rejects(other.open(sealed), /master key differs/);
  const tampered = sealed.slice(0, -4) + (sealed.endsWith("AAAA") ? "BBBB" : "AAAA");
  await assert.rejects(box.open(tampered));
  await assert.rejects(SecretBox.fromMasterKey("c2hvcnQ="), /32 bytes/);
});
