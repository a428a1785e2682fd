/**
 * Fault injection for the LS test server.
 *
 * Kinds: `429` (throttled, nothing written, `Retry-After` header), `500-before` (nothing written),
 * `500-after` (the write happens, then the answer is a 500: a lost response).
 * Random faults draw from a seeded PRNG (mulberry32) so a run is reproducible for a given request order;
 * they hit the write routes, and the task reads too when `faultReads` is set. A queue (`failNext`)
 * forces exact faults on the next matching requests, before any random draw: an entry with `route`
 * waits for that route (any `/api` route), one without waits for the next write.
 */

export type FaultKind = '429' | '500-before' | '500-after';

export interface QueuedFault {
  kind: FaultKind;
  /** Route name as in the counters (e.g. `predictions.create`); default: the next write request. */
  route?: string;
  /** Overrides the configured `Retry-After` seconds for this 429. */
  retryAfterS?: number;
}

export interface FaultSettings {
  rate429: number;
  rate500Before: number;
  rate500After: number;
  /** `Retry-After` seconds sent with a 429. */
  retryAfterS: number;
  /** Also inject random faults into `GET /api/tasks/` and `GET /api/tasks/{id}/`. */
  faultReads: boolean;
  /** Delay added before answering every `/api` request. */
  latencyMs: number;
  /** Every non-admin request answers 503 while set (Label Studio down). */
  down: boolean;
}

export interface FaultDecision {
  kind: FaultKind;
  retryAfterS: number;
}

export const DEFAULT_FAULTS: FaultSettings = {
  rate429: 0,
  rate500Before: 0,
  rate500After: 0,
  retryAfterS: 1,
  faultReads: false,
  latencyMs: 0,
  down: false,
};

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  settings: FaultSettings = { ...DEFAULT_FAULTS };
  private queue: QueuedFault[] = [];
  private random: () => number;
  private seed: number;

  constructor(seed: number) {
    this.seed = seed;
    this.random = mulberry32(seed);
  }

  configure(patch: Partial<FaultSettings> & { seed?: number }): FaultSettings {
    const { seed, ...rest } = patch;
    if (seed !== undefined) this.reseed(seed);
    this.settings = { ...this.settings, ...rest };
    return this.settings;
  }

  enqueue(faults: QueuedFault[]): void {
    this.queue.push(...faults);
  }

  get queued(): readonly QueuedFault[] {
    return this.queue;
  }

  /** Back to no faults, no latency, up, and the PRNG restarted from its seed. */
  clear(): void {
    this.settings = { ...DEFAULT_FAULTS };
    this.queue = [];
    this.reseed(this.seed);
  }

  decide(route: string, isWrite: boolean, isRead: boolean): FaultDecision | null {
    const index = this.queue.findIndex((fault) => (fault.route === undefined ? isWrite : fault.route === route));
    if (index >= 0) {
      const [fault] = this.queue.splice(index, 1) as [QueuedFault];
      return { kind: fault.kind, retryAfterS: fault.retryAfterS ?? this.settings.retryAfterS };
    }
    if (!isWrite && !(isRead && this.settings.faultReads)) return null;
    const { rate429, rate500Before, rate500After, retryAfterS } = this.settings;
    if (rate429 + rate500Before + rate500After <= 0) return null;
    const draw = this.random();
    if (draw < rate429) return { kind: '429', retryAfterS };
    if (draw < rate429 + rate500Before) return { kind: '500-before', retryAfterS };
    if (draw < rate429 + rate500Before + rate500After) return { kind: '500-after', retryAfterS };
    return null;
  }

  private reseed(seed: number): void {
    this.seed = seed;
    this.random = mulberry32(seed);
  }
}
