/**
 * The simulator without its socket: an axios adapter that hands each request of an
 * `ArgoCDClient` to the simulator's own request handler (`createSimulatorHandler`, the one
 * `startArgoCDSimulator` serves over HTTP) in the same process, and turns what the handler
 * writes back into an axios response. Status codes, bodies, headers, injected latency and
 * faults, auth and content-type checks are the simulator's; only node:http's socket is left out.
 *
 * For unit tests of code that calls ArgoCD (the drift scan): no port, no keep-alive sockets,
 * nothing the machine's load can delay between the client and the simulator. Integration
 * tests keep the HTTP server. Test and local code only: nothing under `functions/` imports it.
 *
 * Not covered: `ArgoCDClient.refreshApplication`, which speaks node:http itself because it
 * must know when a request was written to the socket (the client refuses it on this transport).
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { Readable } from 'node:stream';
import axios, { AxiosError, AxiosHeaders, CanceledError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { createSimulatorHandler } from './server';
import type { ArgoCDSimulator } from './simulator';

/** The headers axios's node:http adapter adds to every request (see `sim.requests[].headers` over HTTP). */
const AXIOS_NODE_HEADERS = { 'user-agent': `axios/${axios.VERSION}`, 'accept-encoding': 'gzip, compress, deflate, br', connection: 'keep-alive' };

/**
 * The connection of one request: what the handler reads as `req.socket` / `res.socket`.
 * `destroy()` is the server dropping the connection (an instance that is down, a client that left).
 */
class InProcessSocket extends EventEmitter {
  /** Set when the client gave up (it half-closes, as axios's destroyed request does over TCP). */
  readableEnded = false;
  destroyed = false;

  constructor(private readonly onDestroy: () => void) {
    super();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.onDestroy();
    this.emit('close');
  }

  /** The client's FIN: the server reads the end of the stream, the connection stays open until it closes it. */
  halfClose(): void {
    if (this.readableEnded || this.destroyed) return;
    this.readableEnded = true;
    this.emit('end');
  }
}

/** What the handler writes: status and headers once, the body with `end`. */
class InProcessResponse extends EventEmitter {
  headersSent = false;
  destroyed = false;
  statusCode = 0;
  headers: Record<string, string> = {};

  constructor(
    readonly socket: InProcessSocket,
    private readonly onEnd: (res: InProcessResponse, body: string) => void,
  ) {
    super();
  }

  writeHead(status: number, headers: Record<string, string | number> = {}): this {
    this.statusCode = status;
    for (const [k, v] of Object.entries(headers)) this.headers[k.toLowerCase()] = String(v);
    this.headersSent = true;
    return this;
  }

  end(body: string | Buffer = ''): this {
    if (this.destroyed) return this;
    this.onEnd(this, typeof body === 'string' ? body : body.toString('utf8'));
    // node:http emits 'close' after a response is finished too; the simulator counts requests in flight on it.
    this.close();
    return this;
  }

  destroy(): this {
    this.socket.destroy();
    return this;
  }

  /** Marks the response gone (once) and tells the handler. */
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

/** The request body as axios hands it to an adapter (the client serialises JSON itself). */
function bodyOf(data: unknown): Buffer | undefined {
  if (data === undefined || data === null) return undefined;
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
}

/** What the handler answered, as axios's node:http adapter hands it on (the body as text; axios parses JSON after the adapter). */
function axiosResponse(config: InternalAxiosRequestConfig, request: unknown, answered: InProcessResponse, text: string): AxiosResponse {
  const status = answered.statusCode;
  return { status, statusText: http.STATUS_CODES[status] ?? '', headers: new AxiosHeaders(answered.headers), data: text, config, request };
}

/** axios's error for a status its `validateStatus` refuses (the ArgoCD client accepts them all and maps them itself). */
function badStatus(response: AxiosResponse): AxiosError {
  const code = response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
  return new AxiosError(`Request failed with status code ${response.status}`, code, response.config, response.request, response);
}

/** axios's error when `timeout` passes without an answer. */
function timeoutError(config: InternalAxiosRequestConfig, request: unknown): AxiosError {
  const code = config.transitional?.clarifyTimeoutError ? AxiosError.ETIMEDOUT : AxiosError.ECONNABORTED;
  return new AxiosError(`timeout of ${config.timeout}ms exceeded`, code, config, request);
}

/**
 * An axios adapter serving every request from one simulator in-process.
 * @example
 * const sim = new ArgoCDSimulator({ instance: 'default', seed, token: 'tok-0123456789' });
 * const client = new ArgoCDClient({ name: 'default', server: 'http://default.argocd.invalid', getToken, transport: inProcessTransport(sim) });
 */
export function inProcessTransport(sim: ArgoCDSimulator): AxiosAdapter {
  const handle = createSimulatorHandler(sim);
  const open = new Set<InProcessSocket>();
  // As over HTTP: an instance going down drops every connection it holds (the HTTP server's
  // too, when the same simulator is also served over HTTP).
  const previous = sim.onDown;
  sim.onDown = () => {
    previous?.();
    for (const socket of open) socket.destroy();
  };

  return (config: InternalAxiosRequestConfig) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      // axios's own URL building: baseURL + url + params through the client's paramsSerializer.
      const url = new URL(axios.getUri(config));
      const body = bodyOf(config.data);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(AxiosHeaders.from(config.headers).toJSON())) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
      Object.assign(headers, AXIOS_NODE_HEADERS, { host: url.host }, body ? { 'content-length': String(body.length) } : {});

      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        config.signal?.removeEventListener?.('abort', onAbort);
        open.delete(socket);
        fn();
      };
      const socket = new InProcessSocket(() => {
        // The server dropped the connection before answering: what node:http reports then.
        settle(() => reject(new AxiosError('socket hang up', 'ECONNRESET', config, req)));
        res.close();
      });
      const req = Object.assign(new Readable({ read: () => undefined }), {
        url: `${url.pathname}${url.search}`,
        method: (config.method ?? 'get').toUpperCase(),
        headers,
        socket,
      });
      const res = new InProcessResponse(socket, (answered, text) => {
        const response = axiosResponse(config, req, answered, text);
        settle(() => {
          if (!config.validateStatus || config.validateStatus(response.status)) resolve(response);
          else reject(badStatus(response));
        });
      });
      /**
       * The client gives up. Over TCP the simulator (which allows half-open connections, as Go's
       * server does) then reads a FIN and keeps the request until it looks at the socket again:
       * after an injected latency it drops it, a write in progress is still carried out.
       */
      const abandon = (error: Error): void => {
        settle(() => reject(error));
        socket.halfClose();
      };
      const timer = config.timeout ? setTimeout(() => abandon(timeoutError(config, req)), config.timeout) : undefined;
      const onAbort = (): void => abandon(new CanceledError(undefined, config, req));
      if (config.signal?.aborted) return onAbort();
      config.signal?.addEventListener?.('abort', onAbort);
      open.add(socket);

      handle(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse);
      if (body) req.push(body);
      req.push(null);
    });
}
