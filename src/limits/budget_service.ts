/**
 * Budgets at request time: admission against every budget in the request's chain, a
 * reservation of the request's worst-case cost while it runs, and settlement into spend
 * increments that the log writer commits in the same transaction as the request's row. Hard
 * budgets hold across processes and instances through leases (budget_leases.ts): a request
 * far from any limit is admitted from this process's lease without touching the database.
 * Spend is re-read from the database every `refreshMs` for warnings, downgrades and headers.
 */
import type { Database } from "../db/client.ts";
import { listBudgets, readSpend } from "../db/repos/budgets_repo.ts";
import { GatewayError } from "../server/errors.ts";
import { type Budget, budgetMember, type Chargee, describeScope } from "./budget.ts";
import {
  type BudgetDecision,
  type BudgetState,
  decideBudgets,
  formatAmount,
  formatReset,
  limitOf,
  measure,
  reportedUtilization,
} from "./budget_check.ts";
import { periodAdjective, periodEnd, periodLabel, periodStart } from "./period.ts";
import { type Amount, counterKey, type SpendIncrement, SpendLedger } from "./spend_ledger.ts";
import { LeaseBook, type LeaseTarget } from "./budget_leases.ts";
import { newId } from "../db/ids.ts";

export interface BudgetOptions {
  timeZone: string;
  refreshMs: number;
  /** Past this age of the last good snapshot, enforcement fails open or closed. */
  staleAfterMs: number;
  failMode: "open" | "closed";
}

export interface Admission {
  downgradeModel?: string;
  /** Budget utilisation headers for the client. */
  headers: Record<string, string>;
  /** Ends the reservation; returns what to add to the spend counters. */
  settle(actual: Amount): SpendIncrement[];
}

const NO_BUDGETS: Admission = { headers: {}, settle: () => [] };
const LONGEST_PERIOD_MS = 32 * 86_400_000;

export class BudgetService {
  readonly ledger = new SpendLedger();
  readonly leases: LeaseBook;
  private budgets: readonly Budget[] = [];
  private lastGoodSnapshot = 0;
  private timer?: ReturnType<typeof setInterval>;
  private warned = new Set<string>();
  private refreshing?: Promise<void>;

  constructor(
    private readonly db: Database,
    private readonly options: BudgetOptions,
    private readonly now = Date.now,
    private readonly report = (message: string) => console.error(message),
  ) {
    this.leases = new LeaseBook(db, newId("gw"), now);
  }

  async reloadBudgets(): Promise<void> {
    this.budgets = await listBudgets(this.db);
  }

  /** Reads every current counter and renews this process's leases; calls share one run. */
  refreshSpend(): Promise<void> {
    this.refreshing ??= this.readSnapshot().then(() => this.renewLeases()).finally(() =>
      this.refreshing = undefined
    );
    return this.refreshing;
  }

  /** The log writer committed this spend, and took it out of this process's leases. */
  markCommitted(spend: readonly SpendIncrement[]): void {
    this.ledger.markCommitted(spend);
    this.leases.consume(spend);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.refreshSpend(), this.options.refreshMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Admits a request on its worst-case cost, or throws the refusal a developer sees. Answers
   * at once when this process's leases cover it, else after claiming more from the database.
   */
  admit(chargee: Chargee, estimate: Amount): Admission | Promise<Admission> {
    if (this.budgets.length === 0) return NO_BUDGETS;
    const now = this.now();
    const states = this.states(chargee, now);
    if (states.length === 0) return NO_BUDGETS;
    if (now - this.lastGoodSnapshot > this.options.staleAfterMs) this.onStale(now);
    const decision = decideBudgets(states);
    for (const state of decision.warnings) this.warnOnce(state);
    if (decision.refusal) throw this.refusal(decision.refusal.state, decision.refusal, now);
    if (this.uncovered(states, estimate).length === 0) {
      return this.reserve(states, estimate, decision);
    }
    return this.claimThenReserve(states, estimate, decision, now);
  }

  /** Hard budget states whose lease does not cover this request on top of what is held. */
  private uncovered(states: readonly BudgetState[], estimate: Amount): BudgetState[] {
    const short: BudgetState[] = [];
    for (const state of states) {
      if (!state.budget.hard) continue;
      const target = leaseTarget(state);
      const held = this.ledger.heldFor(target.key);
      const need = { usd: held.usd + estimate.usd, tokens: held.tokens + estimate.tokens };
      if (!this.leases.covers(target, need)) short.push(state);
    }
    return short;
  }

  /**
   * Claims leases until this request fits beside everything held, then reserves it. Coverage
   * is checked again after each round: a claim may have been shared with a concurrent request
   * for another amount, and other requests may have reserved from the lease meanwhile.
   */
  private async claimThenReserve(
    states: readonly BudgetState[],
    estimate: Amount,
    decision: BudgetDecision,
    now: number,
  ): Promise<Admission> {
    const unreadable = new Set<string>();
    let short: BudgetState[] = [];
    for (let round = 0;; round++) {
      short = this.uncovered(states, estimate).filter((state) =>
        !unreadable.has(leaseTarget(state).key)
      );
      if (short.length === 0) return this.reserve(states, estimate, decision);
      if (round === 3) break;
      for (const state of short) {
        const target = leaseTarget(state);
        let granted: boolean;
        try {
          granted = await this.claim(target, state, estimate);
        } catch (error) {
          // The database cannot be asked: the same choice as for stale spend.
          this.report(`gw: claiming a budget lease failed: ${error}`);
          if (this.options.failMode === "closed") throw this.unreadable(now);
          unreadable.add(target.key);
          continue;
        }
        if (!granted) throw this.refusal(state, { utilization: 1, inFlight: true }, now);
      }
    }
    throw this.refusal(short[0], { utilization: 1, inFlight: true }, now);
  }

  /**
   * Claims what is held plus this request plus headroom; failing that, just enough; failing
   * that, when this process has no request in flight on the counter and no other holds a
   * lease, the request alone (which may pass the limit by this one request: the bound).
   */
  private async claim(target: LeaseTarget, state: BudgetState, estimate: Amount) {
    const held = this.ledger.heldFor(target.key);
    const need = { usd: held.usd + estimate.usd, tokens: held.tokens + estimate.tokens };
    const free = Math.max(0, target.limit - measure(state.budget, state.spent));
    const headroom = target.measure === "usd"
      ? { usd: Math.max(estimate.usd, free / 10), tokens: 0 }
      : { usd: 0, tokens: Math.max(estimate.tokens, free / 10) };
    const roomy = { usd: need.usd + headroom.usd, tokens: need.tokens + headroom.tokens };
    if (await this.leases.claim(target, roomy, headroom)) return true;
    if (await this.leases.claim(target, need, estimate)) return true;
    if (this.ledger.inFlightFor(target.key) > 0) return false;
    return await this.leases.claim(target, need, estimate, { spentHere: held });
  }

  private reserve(
    states: readonly BudgetState[],
    estimate: Amount,
    decision: BudgetDecision,
  ): Admission {
    const keys = states.map((state) =>
      counterKey(state.budget.id, state.periodStart, state.member)
    );
    for (const key of keys) this.ledger.reserve(key, estimate);
    let settled = false;
    return {
      downgradeModel: decision.downgradeModel,
      headers: utilizationHeaders(decision.tightest),
      settle: (actual) => {
        if (settled) return [];
        settled = true;
        for (const key of keys) this.ledger.settle(key, estimate, actual);
        if (actual.usd === 0 && actual.tokens === 0) return [];
        return states.map((state) => ({
          budgetId: state.budget.id,
          periodStart: state.periodStart,
          member: state.member,
          usd: actual.usd,
          tokens: actual.tokens,
        }));
      },
    };
  }

  private refusal(
    state: BudgetState,
    found: { message?: string; utilization: number; inFlight?: boolean },
    now: number,
  ): GatewayError {
    const message = found.message ?? nearlyExhausted(state);
    return new GatewayError("billing_error", message, {
      status: 429,
      retryable: false,
      headers: refusalHeaders(state, found.utilization, now),
    });
  }

  /** Utilisation of every budget counter in its current period, for `/metrics`. */
  utilisation(now = this.now()): { budget: Budget; member: string; fraction: number }[] {
    const out: { budget: Budget; member: string; fraction: number }[] = [];
    const keys = this.ledger.keys();
    for (const budget of this.budgets) {
      const start = periodStart(budget.period, now, this.options.timeZone);
      const prefix = `${budget.id}|${start}|`;
      const members = keys.filter((key) => key.startsWith(prefix)).map((key) =>
        key.slice(prefix.length)
      );
      for (const member of members.length ? members : [""]) {
        const spent = measure(budget, this.ledger.spent(counterKey(budget.id, start, member)));
        const limit = budget.limitUsd ?? budget.limitTokens ?? 0;
        out.push({ budget, member, fraction: limit > 0 ? spent / limit : 0 });
      }
    }
    return out;
  }

  /** Every budget that applies to this chargee, with its current standing. */
  states(chargee: Chargee, now = this.now()): BudgetState[] {
    const states: BudgetState[] = [];
    for (const budget of this.budgets) {
      const member = budgetMember(budget, chargee);
      if (member === undefined) continue;
      const start = periodStart(budget.period, now, this.options.timeZone);
      const key = counterKey(budget.id, start, member);
      states.push({
        budget,
        member,
        periodStart: start,
        resetAt: periodEnd(budget.period, now, this.options.timeZone),
        spent: this.ledger.spent(key),
        reserved: this.ledger.reservedFor(key),
        inFlight: this.ledger.inFlightFor(key),
      });
    }
    return states;
  }

  private async readSnapshot(): Promise<void> {
    this.ledger.beginSnapshot();
    try {
      const rows = await readSpend(this.db, this.now() - LONGEST_PERIOD_MS);
      this.ledger.completeSnapshot(
        rows.map((
          row,
        ) => [counterKey(row.budgetId, row.periodStart, row.member), {
          usd: row.usd,
          tokens: row.tokens,
        }]),
      );
      if (
        this.now() - this.lastGoodSnapshot > this.options.staleAfterMs && this.lastGoodSnapshot > 0
      ) {
        this.report("gw: budget state readable again");
      }
      this.lastGoodSnapshot = this.now();
    } catch (error) {
      this.ledger.failSnapshot();
      this.report(`gw: reading budget spend failed: ${error}`);
    }
  }

  private async renewLeases(): Promise<void> {
    try {
      await this.leases.renew((key) => this.ledger.heldFor(key));
    } catch (error) {
      this.warnOnceKey("renew", `gw: renewing budget leases failed: ${error}`);
    }
  }

  private unreadable(now: number): GatewayError {
    const age = Math.round((now - this.lastGoodSnapshot) / 1000);
    return new GatewayError(
      "api_error",
      `gw cannot read budget state (last read ${age} s ago) and budgets fail closed; try again shortly`,
      { status: 503 },
    );
  }

  private onStale(now: number): void {
    const age = Math.round((now - this.lastGoodSnapshot) / 1000);
    if (this.options.failMode === "closed") throw this.unreadable(now);
    this.warnOnceKey(
      "stale",
      `gw: budget state is ${age} s old; enforcing with stale spend (budgets fail open)`,
    );
  }

  private warnOnce(state: BudgetState): void {
    const { budget } = state;
    const spent = measure(budget, state.spent);
    this.warnOnceKey(
      `${budget.id}|${state.periodStart}|${state.member}|${
        spent >= (budget.limitUsd ?? budget.limitTokens ?? 0)
      }`,
      `gw: budget ${budget.scope} ${budget.value}${
        state.member ? ` (${state.member})` : ""
      } ${budget.period} at ${spent.toFixed(budget.limitUsd !== null ? 2 : 0)} of ${
        budget.limitUsd ?? budget.limitTokens
      }${budget.hard ? "" : " (soft)"}`,
    );
  }

  private warnOnceKey(key: string, message: string): void {
    if (this.warned.has(key)) return;
    if (this.warned.size > 10_000) this.warned = new Set();
    this.warned.add(key);
    this.report(message);
  }
}

/** Where a hard budget's lease lives, and what it limits. */
function leaseTarget(state: BudgetState): LeaseTarget {
  const { budget } = state;
  return {
    key: counterKey(budget.id, state.periodStart, state.member),
    budgetId: budget.id,
    periodStart: state.periodStart,
    member: state.member,
    measure: budget.limitUsd !== null ? "usd" : "tokens",
    limit: limitOf(budget),
  };
}

/** A refusal because what is in flight, on every process, holds the rest of the budget. */
function nearlyExhausted(state: BudgetState): string {
  const { budget } = state;
  const spent = formatAmount(budget, measure(budget, state.spent));
  const limit = formatAmount(budget, limitOf(budget));
  const when = `${periodLabel(budget.period)}; ${formatReset(state.resetAt)}`;
  return `Budget nearly exhausted for ${describeScope(budget, state.member)}: spent ${spent} of ` +
    `${limit} ${when}. Requests in flight hold the rest: retry when they finish.`;
}

/** Claude Code's notice thresholds: it warns once utilisation passes each. */
const NOTICE_THRESHOLDS = [0.95, 0.75];

/**
 * The `anthropic-ratelimit-unified-*` headers of the gateway protocol the pinned Claude Code
 * documents, for the tightest hard budget: the `overage` claim is the calendar-budget window,
 * and `overage-surpassed-threshold` (0.75, 0.95) is what makes the client show its
 * "You've used NN% …" notice. gw adds `x-gw-budget-utilization` for scripts.
 */
function utilizationHeaders(
  tightest: { state: BudgetState; utilization: number } | undefined,
): Record<string, string> {
  if (!tightest) return {};
  const { state, utilization } = tightest;
  const threshold = NOTICE_THRESHOLDS.find((t) => utilization > t);
  const status = threshold === undefined ? "allowed" : "allowed_warning";
  const headers: Record<string, string> = {
    "anthropic-ratelimit-unified-status": status,
    "anthropic-ratelimit-unified-representative-claim": "overage",
    "anthropic-ratelimit-unified-overage-status": status,
    "anthropic-ratelimit-unified-overage-utilization": String(
      reportedUtilization(utilization, false),
    ),
    "x-gw-budget-utilization": utilization.toFixed(4),
  };
  if (threshold !== undefined) {
    headers["anthropic-ratelimit-unified-overage-surpassed-threshold"] = String(threshold);
  }
  if (state.resetAt !== undefined) {
    const reset = String(Math.floor(state.resetAt / 1000));
    headers["anthropic-ratelimit-unified-reset"] = reset;
    headers["anthropic-ratelimit-unified-overage-reset"] = reset;
  }
  return headers;
}

/**
 * What goes with a budget refusal: the protocol's rejected shape, without the claim and
 * overage status, so the client prints gw's message as it is. A budget a whole group shares
 * is marked `group_pool`: the developer's own cap is not what ran out.
 */
function refusalHeaders(state: BudgetState, utilization: number, now: number) {
  const headers: Record<string, string> = {
    "anthropic-ratelimit-unified-status": "rejected",
    "anthropic-ratelimit-unified-overage-utilization": String(
      reportedUtilization(utilization, true),
    ),
    "anthropic-ratelimit-unified-overage-surpassed-threshold": "1",
    "anthropic-ratelimit-unified-overage-period": periodAdjective(state.budget.period),
    "anthropic-ratelimit-unified-overage-disabled-reason": "org_spend_cap_reached",
  };
  const { scope, perMember } = state.budget;
  if (scope !== "key" && scope !== "user" && !perMember) {
    headers["anthropic-ratelimit-unified-overage-scope"] = "group_pool";
  }
  if (state.resetAt !== undefined) {
    const reset = String(Math.floor(state.resetAt / 1000));
    headers["anthropic-ratelimit-unified-reset"] = reset;
    headers["anthropic-ratelimit-unified-overage-reset"] = reset;
    headers["retry-after"] = String(Math.max(1, Math.ceil((state.resetAt - now) / 1000)));
  }
  return headers;
}
