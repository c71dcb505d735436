/** Provider kinds gw knows, by the name admins use in `gw providers add KIND`. */
import { createAnthropicProvider } from "./anthropic/anthropic_provider.ts";
import { createBedrockProvider } from "./bedrock/bedrock_provider.ts";
import { createVertexProvider } from "./vertex/vertex_provider.ts";
import type { ProviderFactory } from "./types.ts";

export const PROVIDER_FACTORIES: Readonly<Record<string, ProviderFactory>> = {
  anthropic: createAnthropicProvider,
  bedrock: createBedrockProvider,
  vertex: createVertexProvider,
};

export function providerFactory(kind: string): ProviderFactory {
  const factory = PROVIDER_FACTORIES[kind];
  if (!factory) {
    throw new Error(
      `Unknown provider kind ${kind}: choose one of ${Object.keys(PROVIDER_FACTORIES).join(", ")}`,
    );
  }
  return factory;
}
