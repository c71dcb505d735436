/**
 * The HTML of the sign-in verification page (`/device`). A page that takes a gw key must not
 * be framed (clickjacking), sniffed into another type or leak its URL, which carries the user
 * code, through the referrer; it runs no script, so its policy allows none.
 */
import { createHash } from "node:crypto";

const STYLE = `body{font:16px system-ui;max-width:32em;
margin:3em auto;padding:0 1em}input{font:inherit;width:100%;margin:.3em 0 1em;padding:.4em}
button{font:inherit;padding:.4em 1.2em}`;

/** The one inline style is allowed by its hash; nothing else loads, and forms post only here. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/** Headers every sign-in page carries. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * @example
 * return page("Too many attempts", "<p>Wait a minute, then try again.</p>", 429);
 */
export function page(
  title: string,
  body: string,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width"><style>${STYLE}</style></head><body><h1>${
      escapeHtml(title)
    }</h1>${body}
</body></html>`,
    { status, headers: { ...PAGE_HEADERS, ...headers } },
  );
}

/**
 * The approval form, pre-filled with a code but never submitted by itself (RFC 8628 §5.4).
 *
 * @example
 * return approvalForm("WDJB-MJHT");
 */
export function approvalForm(userCode: string, problem?: string, status = 400): Response {
  return page(
    "Sign in Claude Code to gw",
    `${problem ? `<p><strong>${escapeHtml(problem)}</strong></p>` : ""}
<p>Check that the code matches the one Claude Code shows, then approve with your gw key
(the <code>gw_…</code> key your gw admin gave you). Claude Code then uses a key of its own with
the same team, user, project and models.</p>
<form method="post"><label>Code<input name="user_code" value="${
      escapeHtml(userCode)
    }" autocomplete="off"></label>
<label>Your gw key<input name="key" type="password" autocomplete="off"></label>
<button>Approve</button></form>`,
    problem ? status : 200,
  );
}
