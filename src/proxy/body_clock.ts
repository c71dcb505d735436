/**
 * How long a request's body has been arriving, and whether it was read. The connection layer
 * lends each request a clock; the body reader starts and stops it; the connection sweep closes
 * a connection whose body has been arriving for longer than the body timeout (no timer per
 * request: one sweep checks them all). A body gw refused without reading (too large, no key)
 * would otherwise be drained by the runtime to its end, however large: the connection is
 * closed once the answer is out instead.
 */

export interface BodyClock {
  /** When reading started; 0 while no body is being read. */
  readingSince: number;
  /** Set by the sweep when it closed the connection for it. */
  timedOut: boolean;
  /** The request came with a body that nobody has read yet. */
  unread: boolean;
}

const clocks = new WeakMap<Request, BodyClock>();

/** Lends `request` the clock of the connection it arrived on. */
export function lendBodyClock(request: Request, clock: BodyClock): void {
  clocks.set(request, clock);
}

/**
 * @example
 * const clock = bodyClock(request);
 * if (clock) clock.readingSince = Date.now();
 */
export function bodyClock(request: Request): BodyClock | undefined {
  return clocks.get(request);
}
