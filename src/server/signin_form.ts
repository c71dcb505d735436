/**
 * Reads the form a sign-in route receives: bounded, since anyone may post one, and with every
 * malformed body a 4xx the route can word in its own format, never a gw error.
 */
import { readBoundedBody } from "../proxy/read_body.ts";
import { GatewayError } from "./errors.ts";

/** The fields are a few hundred bytes; this leaves room for a browser's multipart framing. */
export const MAX_SIGNIN_FORM_BYTES = 16 * 1024;

const FINAL = { retryable: false } as const;

function malformed(message: string, status = 400): GatewayError {
  return new GatewayError("invalid_request_error", message, { ...FINAL, status });
}

/**
 * A form's fields, the first value of each; file parts are ignored. Throws a `GatewayError`
 * (413, 415 or 400) for a body too large, of another type, or malformed.
 *
 * @example
 * const fields = await readSignInForm(request);
 * fields.grant_type; // "urn:ietf:params:oauth:grant-type:device_code"
 */
export async function readSignInForm(
  request: Request,
  limit = MAX_SIGNIN_FORM_BYTES,
): Promise<Record<string, string>> {
  const contentType = request.headers.get("content-type")?.trim() ?? "";
  const multipart = /^multipart\/form-data\b/i.test(contentType);
  // No type is read as URL-encoded: RFC 6749's default, and what a bare `curl -d` sends.
  if (!multipart && contentType && !/^application\/x-www-form-urlencoded\b/i.test(contentType)) {
    throw malformed(
      `content-type must be application/x-www-form-urlencoded, got ${contentType.slice(0, 80)}`,
      415,
    );
  }
  if (multipart && !/;\s*boundary=/i.test(contentType)) {
    throw malformed("multipart/form-data needs a boundary parameter in content-type");
  }
  let bytes: Uint8Array;
  try {
    bytes = await readBoundedBody(request, limit);
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw malformed("Request body could not be read");
  }
  const fields: Record<string, string> = {};
  if (!multipart) {
    for (const [name, value] of new URLSearchParams(new TextDecoder().decode(bytes))) {
      fields[name] ??= value;
    }
    return fields;
  }
  let form: FormData;
  try {
    // Parsed from bytes already bounded: the runtime's parser never sees more than `limit`.
    form = await new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": contentType },
    }).formData();
  } catch {
    throw malformed("Malformed multipart/form-data body");
  }
  for (const [name, value] of form) {
    if (typeof value === "string") fields[name] ??= value;
  }
  return fields;
}
