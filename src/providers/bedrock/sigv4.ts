/**
 * AWS Signature Version 4 for Bedrock requests. Signs every header present (host included),
 * the payload hash and, for temporary credentials, the session token.
 */
import { createHash, createHmac } from "node:crypto";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  url: URL;
  headers: Headers;
  body: Uint8Array;
  region: string;
  service: string;
  credentials: AwsCredentials;
  now: Date;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** `20261129T023000Z` */
export function amzDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** RFC 3986 encoding, as AWS wants it: also `!'()*`. */
function awsEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Each segment of the path as it goes on the wire, encoded once more (`%3A` → `%253A`). */
export function canonicalUri(wirePath: string): string {
  return wirePath.split("/").map(awsEncode).join("/");
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([name, value]) => [awsEncode(name), awsEncode(value)])
    .sort(([a, x], [b, y]) => a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0)
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

/**
 * Returns the headers to send: the input headers plus `host`, `x-amz-date`,
 * `x-amz-content-sha256`, `x-amz-security-token` (if any) and `authorization`.
 *
 * @example
 * const headers = signRequest({ method: "POST", url, headers, body, region: "us-east-1",
 *   service: "bedrock", credentials, now: new Date() });
 */
export function signRequest(input: SignInput): Headers {
  const headers = new Headers(input.headers);
  const date = amzDate(input.now);
  const day = date.slice(0, 8);
  const payloadHash = sha256(input.body);
  headers.set("host", input.url.host);
  headers.set("x-amz-date", date);
  headers.set("x-amz-content-sha256", payloadHash);
  if (input.credentials.sessionToken) {
    headers.set("x-amz-security-token", input.credentials.sessionToken);
  }
  headers.delete("authorization");

  const names = [...headers.keys()].sort();
  const canonicalHeaders = names.map((name) =>
    `${name}:${headers.get(name)!.trim().replace(/\s+/g, " ")}\n`
  ).join("");
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    input.method,
    canonicalUri(input.url.pathname),
    canonicalQuery(input.url),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", date, scope, sha256(canonicalRequest)].join("\n");
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${input.credentials.secretAccessKey}`, day), input.region), input.service),
    "aws4_request",
  );
  const signature = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
  headers.set(
    "authorization",
    `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  );
  return headers;
}
