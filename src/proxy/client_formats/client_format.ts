/**
 * How a client speaks to gw. Claude Code's default mode speaks Anthropic Messages; in Bedrock
 * or Vertex mode it speaks those providers' request shapes and expects their framing back.
 * A format turns the client's body into the canonical Messages body and gw's Anthropic-format
 * response into what the client expects; everything in between is shared.
 */
import type { BodyAdapter } from "../read_body.ts";

export interface ClientFormat {
  adapt: BodyAdapter;
  /** Headers the canonical request needs that the client sent elsewhere (betas in the body). */
  headers(): Record<string, string>;
  respond(response: Response): Response;
  /** An upstream framing this client takes as is (relayed untouched, not translated). */
  nativeFraming?: string;
}

/** Claude Code's default: Anthropic in, Anthropic out, untouched. */
export const ANTHROPIC_FORMAT: ClientFormat = {
  adapt: (body) => body,
  headers: () => ({}),
  respond: (response) => response,
};
