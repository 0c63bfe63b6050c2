/**
 * Coalescing of ArgoCD calls per app: requests for the same app (a refresh, or a
 * sync-on-push sync) become one call in two ways.
 *
 * Covering: a refresh, or a sync of the branch, makes ArgoCD resolve the branch when it acts
 * on it, and a Git provider sends its push event after the ref moved. So a call SENT after a
 * delivery was received by our webhook already covers that delivery: a request whose delivery
 * was received (`receivedAtMs`, set by our webhook) at least `skewMs` before a call for the
 * same app was sent folds into that call, in flight or finished, and gets its result. Only
 * calls in flight or succeeded cover (a failed call covers nothing); a sync pinned to a
 * revision (`pinned`) never covers and is never covered. The margin is there because the
 * webhook and the worker are different machines with their own clocks. This is what keeps a
 * monorepo burst at about one call per app when the worker's own pace (ledger, audit) spreads
 * one app's requests further apart than the window.
 *
 * Window: otherwise, the first request is sent at once; a request arriving while a call is
 * still waiting to be sent joins it; one arriving after the call was sent (and not covered by
 * it) joins a single trailing call, sent once no request has come for `windowMs` (at most
 * `maxWaitMs` after the first of them). So a burst of N pushes costs at most two calls per
 * app, and the last push is always covered by a call sent after it (its own, the trailing
 * call, or a covering call sent after it was received). The newest request's `send` is the
 * one used (a sync for the newest push).
 *
 * Every request learns which call carried it, to name it in its delivery's audit record.
 * Memory is bounded: an app's covering calls are forgotten `coverTtlMs` after they were sent
 * (a delivery processed later than that gets a call of its own, which costs one call, never a
 * missed refresh) and at most `maxKeys` apps are remembered (least recently used first out).
 * Coalescing is per process (a warm Lambda, the local stack): calls in other containers are
 * not seen.
 */
import { randomUUID } from 'node:crypto';

/** Which call carried a request, and its result. */
export interface Coalesced<R> {
  /** Id of the call to ArgoCD (the same for every request folded into it). */
  callId: string;
  /** The delivery that opened the call. */
  leadDeliveryId: string;
  /** Deliveries carried by the call, in arrival order. */
  deliveryIds: string[];
  /** True when this request did not open the call. */
  folded: boolean;
  result: R;
}

/** Runs a call when its turn has come (e.g. {@link FairScheduler.run}); identity by default. */
export type CallGate = (leadDeliveryId: string, send: () => Promise<unknown>) => Promise<unknown>;

/** What a request says about itself (see the module comment). */
export interface CoalesceRequest {
  /**
   * When our webhook received the delivery (epoch ms, the webhook's clock; never a time the
   * sender chose). Absent or not finite: only the window rule applies.
   */
  receivedAtMs?: number;
  /** A call pinned to a revision (a rollback, a repair): sent on its own, covers nothing. @default false */
  pinned?: boolean;
}

interface Call {
  id: string;
  lead: string;
  deliveries: string[];
  send: () => Promise<unknown>;
  sent: boolean;
  /** When it was sent (this process's clock). */
  sentAt: number;
  /** Settled successfully (then it covers until it expires). */
  ok: boolean;
  timer?: NodeJS.Timeout;
  firstAt: number;
  promise: Promise<unknown>;
  start: () => void;
}

interface KeyState {
  /** The call waiting to be sent (joinable), if any. */
  open?: Call;
  /** When the last call was sent. */
  sentAt: number;
  /** Calls in flight. */
  inFlight: number;
  /** Calls that may cover a delivery: those in flight, and the newest that succeeded. */
  covering: Call[];
}

/** Options of {@link CallCoalescer}. */
export interface CallCoalescerOptions {
  /** Window in ms; 0 sends every request (no coalescing at all, covering included). @default 2000 */
  windowMs?: number;
  /** Longest a trailing call waits for the burst to end. @default 10 × windowMs */
  maxWaitMs?: number;
  /** Clock-skew margin between the webhook's clock and this process's. @default 1000 */
  skewMs?: number;
  /** How long a succeeded call may cover deliveries after it was sent. @default 900000 (15 min) */
  coverTtlMs?: number;
  /** Apps remembered at most (least recently used forgotten first). @default 100000 */
  maxKeys?: number;
  /** Clock. @default Date.now */
  now?: () => number;
}

/** What a sent call's `send` becomes (it is never called again). */
const sentAlready = (): Promise<unknown> => Promise.reject(new Error('[gitops-sentinel/sync] call already sent'));

/** Per-app coalescing of calls (see the module comment). */
export class CallCoalescer {
  readonly #keys = new Map<string, KeyState>();
  readonly #windowMs: number;
  readonly #maxWaitMs: number;
  readonly #skewMs: number;
  readonly #coverTtlMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;

  /**
   * @param gate where a call waits for its turn before it is sent
   * @param options window, skew margin, memory bounds and clock
   */
  constructor(
    private readonly gate: CallGate = (_d, send) => send(),
    options: CallCoalescerOptions = {},
  ) {
    this.#windowMs = options.windowMs ?? 2000;
    this.#maxWaitMs = options.maxWaitMs ?? 10 * this.#windowMs;
    this.#skewMs = options.skewMs ?? 1000;
    this.#coverTtlMs = options.coverTtlMs ?? 15 * 60_000;
    this.#maxKeys = Math.max(1, options.maxKeys ?? 100_000);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Asks for a call for `key` on behalf of `deliveryId`; resolves with the call that carried
   * it (or rejects with its error).
   */
  async run<R>(key: string, deliveryId: string, send: () => Promise<R>, gate: CallGate = this.gate, request: CoalesceRequest = {}): Promise<Coalesced<R>> {
    if (request.pinned || this.#windowMs <= 0) return this.#alone(deliveryId, send, gate);
    const state = this.#stateOf(key);
    let call = this.#coveringCall(state, request.receivedAtMs) ?? state.open;
    let folded = true;
    if (call) {
      if (!call.deliveries.includes(deliveryId)) call.deliveries.push(deliveryId);
      if (!call.sent) {
        call.send = send; // the newest request's parameters
        if (call.timer) this.#arm(call); // a trailing call: the burst goes on
      }
    } else {
      folded = false;
      call = this.#open(state, deliveryId, send, gate);
      const quiet = state.inFlight === 0 && this.#now() - state.sentAt >= this.#windowMs;
      if (quiet) call.start();
      else this.#arm(call);
    }
    const result = (await call.promise) as R;
    return { callId: call.id, leadDeliveryId: call.lead, deliveryIds: [...call.deliveries], folded: folded && call.lead !== deliveryId, result };
  }

  /** A call of its own, neither joining nor joinable (a pinned call, or coalescing off). */
  async #alone<R>(deliveryId: string, send: () => Promise<R>, gate: CallGate): Promise<Coalesced<R>> {
    const result = (await gate(deliveryId, send)) as R;
    return { callId: `call-${randomUUID()}`, leadDeliveryId: deliveryId, deliveryIds: [deliveryId], folded: false, result };
  }

  /**
   * The call covering a delivery received at `receivedAtMs`: sent at or after it plus the skew
   * margin, in flight or succeeded. A succeeded one is preferred (its answer is known and it can
   * no longer fail), else the newest in flight.
   */
  #coveringCall(state: KeyState, receivedAtMs: number | undefined): Call | undefined {
    if (receivedAtMs === undefined || !Number.isFinite(receivedAtMs)) return undefined;
    const after = state.covering.filter((c) => c.sentAt >= receivedAtMs + this.#skewMs);
    return after.find((c) => c.ok) ?? after.at(-1);
  }

  /** The key's state, marked most recently used; expired covering calls and idle old apps dropped. */
  #stateOf(key: string): KeyState {
    const now = this.#now();
    let s = this.#keys.get(key);
    // Deleted and set again: the Map's order is then least recently used first.
    if (s) this.#keys.delete(key);
    else s = { sentAt: -Infinity, inFlight: 0, covering: [] };
    s.covering = s.covering.filter((c) => !c.ok || now - c.sentAt < this.#coverTtlMs);
    this.#evict(now);
    this.#keys.set(key, s);
    return s;
  }

  /**
   * Forgets least recently used apps with nothing pending: those beyond `maxKeys` (making room
   * for one more), and those whose last call was sent `coverTtlMs` ago or earlier (they can cover
   * nothing any more). Stops at the first app used recently enough, so each request costs O(1)
   * amortised.
   */
  #evict(now: number): void {
    for (const [k, s] of this.#keys) {
      const over = this.#keys.size >= this.#maxKeys;
      if (!over && now - s.sentAt < this.#coverTtlMs) return;
      if (!s.open && s.inFlight === 0) this.#keys.delete(k);
      else if (!over) return; // a busy app: the stale ones after it wait for a later request
    }
  }

  #open(state: KeyState, lead: string, send: () => Promise<unknown>, gate: CallGate): Call {
    let release!: () => void;
    const started = new Promise<void>((r) => (release = r));
    const call: Call = {
      id: `call-${randomUUID()}`,
      lead,
      deliveries: [lead],
      send,
      sent: false,
      sentAt: -Infinity,
      ok: false,
      firstAt: this.#now(),
      start: () => {
        clearTimeout(call.timer);
        call.timer = undefined;
        release();
      },
      promise: undefined as unknown as Promise<unknown>,
    };
    state.open = call;
    call.promise = started.then(() =>
      gate(lead, async () => {
        // From now on the call is on its way: later requests need a call of their own, unless
        // their delivery was received before this moment (then this call covers them).
        call.sent = true;
        if (state.open === call) state.open = undefined;
        state.inFlight++;
        call.sentAt = state.sentAt = this.#now();
        state.covering.push(call);
        // A finished call may be kept to cover for minutes: it should not keep its request's
        // closure (the push message, the deps) alive with it.
        const send = call.send;
        call.send = sentAlready;
        try {
          const result = await send();
          call.ok = true;
          // Of the succeeded calls only the newest is kept: it covers whatever an older one covers.
          const newest = state.covering.reduce<Call | undefined>((n, c) => (c.ok && (!n || c.sentAt > n.sentAt) ? c : n), undefined);
          state.covering = state.covering.filter((c) => !c.ok || c === newest);
          return result;
        } catch (error) {
          state.covering = state.covering.filter((c) => c !== call); // a failed call covers nothing
          throw error;
        } finally {
          state.inFlight--;
        }
      }),
    );
    // Errors reach every awaiting request; this keeps an unawaited rejection quiet.
    call.promise.catch(() => undefined);
    return call;
  }

  /** (Re)starts a trailing call's quiet timer: `windowMs` after the newest request, at most `maxWaitMs` after the first. */
  #arm(call: Call): void {
    clearTimeout(call.timer);
    const now = this.#now();
    const due = Math.min(now + this.#windowMs, call.firstAt + this.#maxWaitMs);
    call.timer = setTimeout(() => call.start(), Math.max(0, due - now));
  }
}
