/**
 * A connect timeout for upstream hosts. Deno's `fetch` has none, so a black-holed region
 * would hold a request until the first-byte timeout before failing over. Before using a host
 * that has not answered recently, gw opens (and closes) one TCP connection with a short
 * timeout; hosts that answered within `freshMs` are trusted without the extra handshake.
 */

export type Connect = (hostname: string, port: number) => Promise<{ close(): void }>;

const defaultConnect: Connect = (hostname, port) => Deno.connect({ hostname, port });

export class ConnectTimeout extends Error {
  constructor(host: string, ms: number) {
    super(`no TCP connection to ${host} within ${ms} ms`);
    this.name = "ConnectTimeout";
  }
}

export class ConnectCheck {
  private readonly lastOk = new Map<string, number>();

  constructor(
    private readonly timeoutMs: number,
    private readonly freshMs = 60_000,
    private readonly connect: Connect = defaultConnect,
    private readonly now = Date.now,
  ) {}

  /** Resolves once the host is known reachable; rejects with ConnectTimeout or the error. */
  async ensure(url: string): Promise<void> {
    const parsed = new URL(url);
    const host = parsed.host;
    const seen = this.lastOk.get(host);
    if (seen !== undefined && this.now() - seen < this.freshMs) return;
    const port = Number(parsed.port) || (parsed.protocol === "https:" ? 443 : 80);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = this.connect(parsed.hostname.replace(/^\[|\]$/g, ""), port);
    try {
      const connection = await Promise.race([
        attempt,
        new Promise<never>((_, reject) =>
          timer = setTimeout(() => reject(new ConnectTimeout(host, this.timeoutMs)), this.timeoutMs)
        ),
      ]);
      connection.close();
    } catch (error) {
      // A connection that completes after the timeout must still be closed.
      attempt.then((late) => late.close(), () => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.markOk(url);
  }

  /** Records that the host answered (any HTTP response counts). */
  markOk(url: string): void {
    this.lastOk.set(new URL(url).host, this.now());
  }
}
