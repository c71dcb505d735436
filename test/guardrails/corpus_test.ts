import assert from "node:assert/strict";
import { it } from "node:test";
import { DETECTORS } from "../../src/guardrails/detectors.ts";
import { findMatches } from "../../src/guardrails/text_scan.ts";
import { NEGATIVES, POSITIVES } from "./corpus.ts";

const enabled = DETECTORS.filter((d) => !d.optIn);

it("catches every positive and nothing in the negative corpus (precision and recall per detector)", () => {
  const lines: string[] = [];
  const falsePositives: string[] = [];
  for (const negative of NEGATIVES) {
    for (const match of findMatches(negative, enabled)) {
      falsePositives.push(`${match.rule} in ${JSON.stringify(negative)}`);
    }
  }
  const misses: string[] = [];
  for (const detector of enabled) {
    const positives = POSITIVES[detector.id] ?? [];
    let hit = 0;
    for (const text of positives) {
      if (findMatches(text, enabled).some((m) => m.rule === detector.id)) hit++;
      else misses.push(`${detector.id}: ${JSON.stringify(text)}`);
    }
    const wrong = falsePositives.filter((fp) => fp.startsWith(`${detector.id} `)).length;
    const precision = hit + wrong === 0 ? 1 : hit / (hit + wrong);
    const recall = positives.length === 0 ? 1 : hit / positives.length;
    lines.push(
      `${detector.id.padEnd(20)} precision ${precision.toFixed(2)}  recall ${
        recall.toFixed(2)
      }  (${positives.length} positives)`,
    );
  }
  console.log(lines.join("\n"));
  assert.deepEqual(falsePositives, []);
  assert.deepEqual(misses, []);
});
