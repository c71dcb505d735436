/**
 * One circuit per target: opens after `failureThreshold` consecutive failures, lets a single
 * probe through after `cooldownMs` (half-open), and closes again on a success. Only targets
 * with failures are remembered, and at most `MAX_CIRCUITS` of them: a target's id carries the
 * client's model name, so junk names must not grow memory or the metrics without bound.
 */

/** Beyond this many remembered targets, closed ones are forgotten, oldest first. */
export const MAX_CIRCUITS = 10_000;

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
}

type State = { kind: "closed"; failures: number } | { kind: "open"; since: number } | {
  kind: "half_open";
};

export type CircuitState = "closed" | "open" | "half_open";

export class CircuitBreakers {
  private readonly circuits = new Map<string, State>();

  constructor(private readonly options: BreakerOptions, private readonly now = Date.now) {}

  /** Whether a request may go to this target now; claims the half-open probe if it is due. */
  allow(target: string): boolean {
    const state = this.circuits.get(target);
    if (!state || state.kind === "closed") return true;
    if (state.kind === "half_open") return false;
    if (this.now() - state.since < this.options.cooldownMs) return false;
    this.circuits.set(target, { kind: "half_open" });
    return true;
  }

  /** Whether a target is usable without claiming anything (for ordering). */
  isOpen(target: string): boolean {
    const state = this.circuits.get(target);
    return state?.kind === "open" && this.now() - state.since < this.options.cooldownMs ||
      state?.kind === "half_open";
  }

  /**
   * Gives back a half-open probe that ended without an outcome (its client left), so the next
   * request may probe instead: otherwise the circuit would wait for an answer that never comes.
   */
  release(target: string): void {
    if (this.circuits.get(target)?.kind !== "half_open") return;
    this.circuits.set(target, { kind: "open", since: this.now() - this.options.cooldownMs });
  }

  success(target: string): void {
    this.circuits.delete(target);
  }

  failure(target: string): void {
    const known = this.circuits.get(target);
    if (!known && this.circuits.size >= MAX_CIRCUITS && !this.forgetOneClosed()) return;
    const state = known ?? { kind: "closed", failures: 0 };
    if (state.kind === "half_open") {
      this.circuits.set(target, { kind: "open", since: this.now() });
      return;
    }
    if (state.kind === "open") return;
    const failures = state.failures + 1;
    this.circuits.set(
      target,
      failures >= this.options.failureThreshold
        ? { kind: "open", since: this.now() }
        : { kind: "closed", failures },
    );
  }

  /** Forgets the oldest closed circuit; false when every remembered one is open. */
  private forgetOneClosed(): boolean {
    for (const [target, state] of this.circuits) {
      if (state.kind === "closed") {
        this.circuits.delete(target);
        return true;
      }
    }
    return false;
  }

  state(target: string): CircuitState {
    const state = this.circuits.get(target);
    if (!state || state.kind === "closed") return "closed";
    if (state.kind === "half_open") return "half_open";
    return this.now() - state.since < this.options.cooldownMs ? "open" : "half_open";
  }

  snapshot(): Record<string, CircuitState> {
    return Object.fromEntries(
      [...this.circuits.keys()].map((target) => [target, this.state(target)]),
    );
  }
}
