/**
 * Coalescing of ArgoCD calls per app: requests for the same app (a refresh, or a
 * sync-on-push sync) within a window become one call. The first request is sent at once; a
 * request arriving while a call is still waiting to be sent joins it; one arriving after the
 * call was sent (its Git state may be newer than what that call made ArgoCD see) joins a
 * single trailing call, sent once no request has come for `windowMs` (at most `maxWaitMs`
 * after the first of them). So a burst of N pushes costs at most two calls per app, and the
 * last push is always covered by a call sent after it. The newest request's `send` is the
 * one used (a sync for the newest push).
 *
 * Every request learns which call carried it, to name it in its delivery's audit record.
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

interface Call {
  id: string;
  lead: string;
  deliveries: string[];
  send: () => Promise<unknown>;
  sent: boolean;
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
}

/** Options of {@link CallCoalescer}. */
export interface CallCoalescerOptions {
  /** Window in ms; 0 sends every request (no coalescing). @default 2000 */
  windowMs?: number;
  /** Longest a trailing call waits for the burst to end. @default 10 × windowMs */
  maxWaitMs?: number;
  /** Clock. @default Date.now */
  now?: () => number;
}

/** Per-app coalescing of calls (see the module comment). */
export class CallCoalescer {
  private readonly keys = new Map<string, KeyState>();
  private readonly windowMs: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;

  /**
   * @param gate where a call waits for its turn before it is sent
   * @param options window and clock
   */
  constructor(
    private readonly gate: CallGate = (_d, send) => send(),
    options: CallCoalescerOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 2000;
    this.maxWaitMs = options.maxWaitMs ?? 10 * this.windowMs;
    this.now = options.now ?? Date.now;
  }

  /**
   * Asks for a call for `key` on behalf of `deliveryId`; resolves with the call that carried
   * it (or rejects with its error).
   */
  async run<R>(key: string, deliveryId: string, send: () => Promise<R>, gate: CallGate = this.gate): Promise<Coalesced<R>> {
    const state = this.stateOf(key);
    let call = state.open;
    let folded = true;
    if (call) {
      call.send = send; // the newest request's parameters
      if (!call.deliveries.includes(deliveryId)) call.deliveries.push(deliveryId);
      if (call.timer) this.arm(call); // a trailing call: the burst goes on
    } else {
      folded = false;
      call = this.open(key, state, deliveryId, send, gate);
      const quiet = state.inFlight === 0 && this.now() - state.sentAt >= this.windowMs;
      if (this.windowMs <= 0 || quiet) call.start();
      else this.arm(call);
    }
    const result = (await call.promise) as R;
    return { callId: call.id, leadDeliveryId: call.lead, deliveryIds: [...call.deliveries], folded: folded && call.lead !== deliveryId, result };
  }

  private stateOf(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { sentAt: -Infinity, inFlight: 0 };
      this.keys.set(key, s);
    }
    return s;
  }

  private open(key: string, state: KeyState, lead: string, send: () => Promise<unknown>, gate: CallGate): Call {
    let release!: () => void;
    const started = new Promise<void>((r) => (release = r));
    const call: Call = {
      id: `call-${randomUUID()}`,
      lead,
      deliveries: [lead],
      send,
      sent: false,
      firstAt: this.now(),
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
        // From now on the call is on its way: later requests need a call of their own.
        call.sent = true;
        if (state.open === call) state.open = undefined;
        state.inFlight++;
        state.sentAt = this.now();
        try {
          return await call.send();
        } finally {
          state.inFlight--;
          if (!state.open && state.inFlight === 0) this.forgetLater(key, state);
        }
      }),
    );
    // Errors reach every awaiting request; this keeps an unawaited rejection quiet.
    call.promise.catch(() => undefined);
    return call;
  }

  /** (Re)starts a trailing call's quiet timer: `windowMs` after the newest request, at most `maxWaitMs` after the first. */
  private arm(call: Call): void {
    clearTimeout(call.timer);
    const now = this.now();
    const due = Math.min(now + this.windowMs, call.firstAt + this.maxWaitMs);
    call.timer = setTimeout(() => call.start(), Math.max(0, due - now));
  }

  /** Drops a key's state once its window has passed with nothing pending (bounded memory). */
  private forgetLater(key: string, state: KeyState): void {
    setTimeout(() => {
      if (this.keys.get(key) === state && !state.open && state.inFlight === 0) this.keys.delete(key);
    }, this.windowMs + 10).unref?.();
  }
}
