/** Shell-style globs (`*`, `?`) for model names, compiled once. */

/**
 * @example
 * compileGlob("claude-*-5-5").test("claude-opus-5-5"); // true
 */
export function compileGlob(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll(
    "?",
    ".",
  );
  return new RegExp(`^${escaped}$`, "i");
}

export function matchesAny(patterns: readonly RegExp[], value: string): boolean {
  return patterns.some((pattern) => pattern.test(value));
}
