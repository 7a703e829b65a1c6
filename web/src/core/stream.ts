// The live stream client: one WebSocket to /ws/client/stream that subscribes to channels,
// re-subscribes after every reconnect, reconnects with jittered exponential backoff and keeps
// the connection alive (the server closes clients silent for 90 s). The socket constructor,
// timers and randomness are injected so the reconnect logic is tested with a fake clock.
import type { AnalyticsData } from '../types';
import { parseFrameMessage, type FrameMessage } from './frame_message';

export type ConnState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The part of the browser's WebSocket the client uses. */
export interface SocketLike {
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  /** Also after an error: the browser always follows one with a close. */
  onclose: ((ev: unknown) => void) | null;
}

export interface StreamHandlers {
  onState?(state: ConnState): void;
  onFrame?(frame: FrameMessage): void;
  onAnalytics?(data: AnalyticsData, channel: string): void;
  /** Server errors ({"type": "error"}) and undecodable messages. */
  onError?(code: string, message: string): void;
}

export interface StreamOptions {
  createSocket(url: string): SocketLike;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
  /** 0..1, for the jitter. */
  random(): number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Fraction of the delay the jitter may add or take away. */
  jitter: number;
  /** A connection open this long counts as healthy: the next failure starts the backoff over. */
  healthyAfterMs: number;
  pingIntervalMs: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
  now: () => Date.now(),
  random: () => Math.random(),
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  jitter: 0.2,
  healthyAfterMs: 5_000,
  pingIntervalMs: 25_000,
};

/** The wait before reconnect attempt `attempt` (0-based): base·2^attempt capped, ± jitter. */
export function backoffDelayMs(attempt: number, random: number, o: Pick<StreamOptions, 'baseDelayMs' | 'maxDelayMs' | 'jitter'>): number {
  const delay = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt);
  return Math.round(delay * (1 + o.jitter * (2 * random - 1)));
}

// No message (pong included) for this many ping intervals means the connection is dead even
// if the browser has not noticed yet.
const SILENT_PINGS = 2.5;

export class StreamClient {
  private readonly options: StreamOptions;
  private readonly channels = new Set<string>();
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private openedAt_ms = 0;
  private lastMessageAt_ms = 0;
  private stateNow: ConnState = 'closed';
  private stopped = false;

  constructor(
    private readonly url: () => string,
    private readonly handlers: StreamHandlers,
    options: Partial<StreamOptions> = {},
  ) {
    this.options = { ...DEFAULT_STREAM_OPTIONS, ...options };
  }

  get state(): ConnState {
    return this.stateNow;
  }

  /** Opens the connection (and keeps it open until close()). */
  connect(): void {
    if (this.stopped || this.socket) return;
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.url());
    } catch (err) {
      this.handlers.onError?.('connect_failed', (err as Error).message);
      this.scheduleReconnect();
      return;
    }
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => this.opened();
    socket.onmessage = (ev) => this.received(ev.data);
    socket.onclose = () => this.lost(socket);
    this.socket = socket;
  }

  subscribe(channel: string): void {
    if (this.channels.has(channel)) return;
    this.channels.add(channel);
    if (this.stateNow === 'open') this.send({ action: 'subscribe', channel });
  }

  unsubscribe(channel: string): void {
    if (!this.channels.delete(channel)) return;
    if (this.stateNow === 'open') this.send({ action: 'unsubscribe', channel });
  }

  /** Closes for good: no reconnect, no more callbacks. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimer();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      socket.close(1000, 'page closed');
    }
    this.setState('closed');
  }

  private opened(): void {
    this.openedAt_ms = this.lastMessageAt_ms = this.options.now();
    this.setState('open');
    for (const channel of this.channels) this.send({ action: 'subscribe', channel });
    this.armPing();
  }

  private received(data: unknown): void {
    this.lastMessageAt_ms = this.options.now();
    if (data instanceof ArrayBuffer) {
      try {
        this.handlers.onFrame?.(parseFrameMessage(data));
      } catch (err) {
        this.handlers.onError?.('bad_frame', (err as Error).message);
      }
      return;
    }
    let message: { type?: unknown; channel?: unknown; data?: unknown; code?: unknown; message?: unknown };
    try {
      message = JSON.parse(String(data));
    } catch {
      this.handlers.onError?.('bad_message', 'the server sent a text message that is not JSON');
      return;
    }
    if (message.type === 'analytics' && typeof message.data === 'object' && message.data !== null) {
      this.handlers.onAnalytics?.(message.data as AnalyticsData, String(message.channel ?? ''));
    } else if (message.type === 'error') {
      this.handlers.onError?.(String(message.code ?? 'error'), String(message.message ?? ''));
    }
    // subscription_ack and pong need nothing beyond counting as traffic.
  }

  private lost(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.clearTimer();
    if (this.stopped) return;
    if (this.stateNow === 'open' && this.options.now() - this.openedAt_ms >= this.options.healthyAfterMs) this.attempt = 0;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = backoffDelayMs(this.attempt, this.options.random(), this.options);
    this.attempt += 1;
    this.setState('reconnecting');
    this.timer = this.options.setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private armPing(): void {
    this.timer = this.options.setTimeout(() => {
      this.timer = null;
      if (!this.socket) return;
      if (this.options.now() - this.lastMessageAt_ms > SILENT_PINGS * this.options.pingIntervalMs) {
        this.socket.close(4000, 'no answer to pings');
        this.lost(this.socket);
        return;
      }
      this.send({ action: 'ping' });
      this.armPing();
    }, this.options.pingIntervalMs);
  }

  private send(message: object): void {
    try {
      this.socket?.send(JSON.stringify(message));
    } catch {
      // the socket is closing; its close event reconnects and re-subscribes
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) this.options.clearTimeout(this.timer);
    this.timer = null;
  }

  private setState(state: ConnState): void {
    if (state === this.stateNow) return;
    this.stateNow = state;
    this.handlers.onState?.(state);
  }
}
