/**
 * Every text the model will read in a Messages request — the system prompt, user and
 * assistant text, `tool_result` content and `tool_use` inputs — found by one iterative walk
 * (no recursion, no path copies), so the cost is linear in the body whatever its shape, and a
 * body nested deeper than any real request is refused by name instead of exhausting the stack.
 * Images and documents are skipped.
 */
import { GatewayError } from "../server/errors.ts";

/** Deeper than any real request; bounds the walk's stack and every later copy. */
export const MAX_NESTING_DEPTH = 256;

/** Where a value sits: a chain to the root, spelled out only for the rare slot that changes. */
export interface PathNode {
  readonly parent: PathNode | undefined;
  readonly key: string | number;
}

export interface Slot {
  path: PathNode;
  text: string;
  /** Where it is, for messages a developer can act on: `messages[3] tool_result`. */
  location: string;
}

type Kind = "blocks" | "any";

interface Pending {
  value: unknown;
  path: PathNode;
  depth: number;
  kind: Kind;
  location: string;
}

function tooDeep(location: string): GatewayError {
  return new GatewayError(
    "invalid_request_error",
    `Request nests deeper than ${MAX_NESTING_DEPTH} levels in ${location}: gw reads at most ${MAX_NESTING_DEPTH}`,
    { retryable: false },
  );
}

/**
 * Every text slot of a request, with its path in the body, in document order.
 *
 * @example
 * textSlots({ messages: [{ role: "user", content: "hi" }] })[0].text; // "hi"
 */
export function textSlots(body: Readonly<Record<string, unknown>>): Slot[] {
  const slots: Slot[] = [];
  const stack: Pending[] = [];
  const root: PathNode = { parent: undefined, key: "" };
  if (Array.isArray(body.messages)) {
    const messagesPath: PathNode = { parent: root, key: "messages" };
    for (let i = body.messages.length - 1; i >= 0; i--) {
      const message = body.messages[i] as { role?: unknown; content?: unknown } | null;
      const role = typeof message?.role === "string" ? message.role.slice(0, 20) : "message";
      stack.push({
        value: message?.content,
        path: { parent: { parent: messagesPath, key: i }, key: "content" },
        depth: 3,
        kind: "blocks",
        location: `messages[${i}] (${role})`,
      });
    }
  }
  stack.push({
    value: body.system,
    path: { parent: root, key: "system" },
    depth: 1,
    kind: "blocks",
    location: "system prompt",
  });
  while (stack.length > 0) {
    const { value, path, depth, kind, location } = stack.pop()!;
    if (depth > MAX_NESTING_DEPTH) throw tooDeep(location);
    if (typeof value === "string") {
      slots.push({ path, text: value, location });
    } else if (kind === "blocks") {
      if (Array.isArray(value)) pushBlocks(stack, value, path, depth, location);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({
          value: value[i],
          path: { parent: path, key: i },
          depth: depth + 1,
          kind,
          location,
        });
      }
    } else if (value && typeof value === "object") {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i];
        stack.push({ value: item, path: { parent: path, key }, depth: depth + 1, kind, location });
      }
    }
  }
  return slots;
}

/** The blocks of a `content` array, pushed so that they pop in order. */
function pushBlocks(
  stack: Pending[],
  blocks: unknown[],
  path: PathNode,
  depth: number,
  where: string,
): void {
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i] as {
      type?: unknown;
      text?: unknown;
      content?: unknown;
      input?: unknown;
    };
    const blockPath: PathNode = { parent: path, key: i };
    if (block?.type === "text") {
      stack.push({
        value: String(block.text ?? ""),
        path: { parent: blockPath, key: "text" },
        depth: depth + 2,
        kind: "any",
        location: `${where} text block ${i}`,
      });
    } else if (block?.type === "tool_result") {
      stack.push({
        value: block.content,
        path: { parent: blockPath, key: "content" },
        depth: depth + 2,
        kind: "blocks",
        location: `${where} tool_result`,
      });
    } else if (block?.type === "tool_use") {
      stack.push({
        value: block.input,
        path: { parent: blockPath, key: "input" },
        depth: depth + 2,
        kind: "any",
        location: `${where} tool_use input`,
      });
    }
  }
}

function keysOf(path: PathNode): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let node: PathNode | undefined = path; node?.parent; node = node.parent) keys.push(node.key);
  return keys.reverse();
}

/**
 * A copy of `body` with the strings at the given paths replaced. Only the containers on those
 * paths are copied (shallowly, each once); everything else is shared with the original, which
 * is left untouched.
 *
 * @example
 * const [slot] = textSlots(body);
 * const redacted = withStrings(body, [{ path: slot.path, text: "[REDACTED]" }]);
 */
export function withStrings(
  body: Record<string, unknown>,
  replacements: readonly { path: PathNode; text: string }[],
): Record<string, unknown> {
  const copies = new Map<object, Record<string | number, unknown>>();
  const copyOf = (value: object): Record<string | number, unknown> => {
    let copy = copies.get(value);
    if (!copy) {
      copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string | number, unknown>;
      copies.set(value, copy);
    }
    return copy;
  };
  const result = copyOf(body);
  for (const { path, text } of replacements) {
    const keys = keysOf(path);
    let original: Record<string | number, unknown> = body;
    let copy = result;
    for (const key of keys.slice(0, -1)) {
      original = original[key] as Record<string | number, unknown>;
      const next = copyOf(original);
      copy[key] = next;
      copy = next;
    }
    copy[keys[keys.length - 1]] = text;
  }
  return result as Record<string, unknown>;
}
