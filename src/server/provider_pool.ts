/**
 * The live set of provider adapters, rebuilt from the DB when the revision changes. Secrets
 * are decrypted here and live only inside the adapters.
 */
import type { SecretBox } from "../crypto/secret_box.ts";
import type { Database } from "../db/client.ts";
import { listProviders } from "../db/repos/providers_repo.ts";
import { providerFactory } from "../providers/registry.ts";
import type { Provider } from "../providers/types.ts";

export class ProviderPool {
  private current: readonly Provider[] = [];

  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly authTimeoutMs?: number,
  ) {}

  get providers(): readonly Provider[] {
    return this.current;
  }

  /** Rebuilds every adapter; a record that cannot be opened is skipped and reported. */
  async reload(): Promise<void> {
    const next: Provider[] = [];
    for (const record of await listProviders(this.db)) {
      try {
        const secret = await this.box.open(record.sealedSecret);
        next.push(
          providerFactory(record.kind)({
            name: record.name,
            baseUrl: record.baseUrl,
            config: record.config,
            secret,
            authTimeoutMs: this.authTimeoutMs,
          }),
        );
      } catch (error) {
        console.error(`gw: provider ${record.name} is unusable: ${(error as Error).message}`);
      }
    }
    this.current = next;
  }
}
