import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamClient, backoffDelayMs, type ConnState, type SocketLike, type StreamOptions } from '../src/core/stream';
import type { AnalyticsData } from '../src/types';

// A fake clock: timers run only when the test advances time.
class FakeClock {
  now_ms = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now_ms + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown): void => {
    this.timers.delete(id as number);
  };
  /** Delays of the pending timers, from now. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.now_ms).sort((a, b) => a - b);
  }
  advance(ms: number): void {
    const end = this.now_ms + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now_ms = due[1].at;
      due[1].fn();
    }
    this.now_ms = end;
  }
}

class FakeSocket implements SocketLike {
  binaryType = 'blob';
  sent: unknown[] = [];
  closed: number | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000): void {
    this.closed = code;
  }
  // Server side
  open(): void {
    this.onopen?.({});
  }
  drop(): void {
    this.onclose?.({});
  }
  receive(data: unknown): void {
    this.onmessage?.({ data });
  }
}

function setup(overrides: Partial<StreamOptions> = {}) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const states: ConnState[] = [];
  const analytics: AnalyticsData[] = [];
  const frames: number[] = [];
  const errors: string[] = [];
  const client = new StreamClient(
    () => 'ws://127.0.0.1:1/ws/client/stream',
    {
      onState: (s) => states.push(s),
      onAnalytics: (d) => analytics.push(d),
      onFrame: (f) => frames.push(f.header.frame_number),
      onError: (code, message) => errors.push(`${code}: ${message}`),
    },
    {
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
      now: () => clock.now_ms,
      random: () => 0.5, // no jitter
      ...overrides,
    },
  );
  const last = () => sockets[sockets.length - 1]!;
  return { clock, sockets, states, analytics, frames, errors, client, last };
}

test('backoffDelayMs doubles from 0.5 s to the 10 s cap, jitter within ±20 %', () => {
  const o = { baseDelayMs: 500, maxDelayMs: 10_000, jitter: 0.2 };
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelayMs(n, 0.5, o)), [500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  assert.equal(backoffDelayMs(0, 0, o), 400);
  assert.equal(backoffDelayMs(2, 1, o), 2400);
  assert.equal(backoffDelayMs(9, 0, o), 8000);
});

test('subscribes on open with binaryType arraybuffer, and reports states', () => {
  const { client, last, states } = setup();
  client.subscribe('processed_frame_3');
  client.subscribe('analytics_metrics_3');
  client.subscribe('processed_frame_3'); // twice: once
  client.connect();
  assert.equal(last().url, 'ws://127.0.0.1:1/ws/client/stream');
  assert.equal(last().binaryType, 'arraybuffer');
  assert.deepEqual(last().sent, []); // nothing before open
  last().open();
  assert.deepEqual(last().sent, [
    { action: 'subscribe', channel: 'processed_frame_3' },
    { action: 'subscribe', channel: 'analytics_metrics_3' },
  ]);
  client.subscribe('analytics_metrics_4');
  client.unsubscribe('analytics_metrics_3');
  assert.deepEqual(last().sent.slice(2), [
    { action: 'subscribe', channel: 'analytics_metrics_4' },
    { action: 'unsubscribe', channel: 'analytics_metrics_3' },
  ]);
  assert.deepEqual(states, ['connecting', 'open']);
});

test('reconnects with the backoff sequence and re-subscribes every time', () => {
  const { client, sockets, last, clock, states } = setup();
  client.subscribe('processed_frame_3');
  client.connect();
  // The server never answers: each attempt fails at once.
  const waits: number[] = [];
  for (let i = 0; i < 7; i++) {
    last().drop();
    waits.push(clock.pending()[0]!);
    clock.advance(clock.pending()[0]!);
  }
  assert.deepEqual(waits, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
  assert.equal(sockets.length, 8);
  assert.deepEqual(states, ['connecting', 'reconnecting']);
  last().open();
  assert.deepEqual(last().sent, [{ action: 'subscribe', channel: 'processed_frame_3' }]);
  assert.deepEqual(states, ['connecting', 'reconnecting', 'open']);
});

test('a healthy connection resets the backoff; a short one does not', () => {
  const { client, last, clock } = setup();
  client.connect();
  last().drop();
  clock.advance(500);
  last().drop();
  clock.advance(1000); // third attempt
  last().open();
  clock.advance(1000); // open 1 s: not healthy
  last().drop();
  assert.deepEqual(clock.pending(), [2000]);
  clock.advance(2000);
  last().open();
  clock.advance(6000); // open 6 s: healthy
  last().drop();
  assert.deepEqual(clock.pending(), [500]);
});

test('close() stops for good: no reconnect, no timers, state closed', () => {
  const { client, sockets, last, clock, states } = setup();
  client.connect();
  last().open();
  const socket = last();
  client.close();
  assert.equal(socket.closed, 1000);
  assert.deepEqual(clock.pending(), []);
  socket.drop(); // a late close event changes nothing
  clock.advance(60_000);
  assert.equal(sockets.length, 1);
  assert.deepEqual(states, ['connecting', 'open', 'closed']);
  client.connect();
  assert.equal(sockets.length, 1);
});

test('close() while waiting to reconnect cancels the reconnect', () => {
  const { client, sockets, last, clock } = setup();
  client.connect();
  last().drop();
  assert.deepEqual(clock.pending(), [500]);
  client.close();
  clock.advance(60_000);
  assert.equal(sockets.length, 1);
  assert.equal(client.state, 'closed');
});

test('pings every 25 s while open, and reconnects when the server stays silent', () => {
  const { client, sockets, last, clock } = setup();
  client.connect();
  last().open();
  clock.advance(25_000);
  assert.deepEqual(last().sent, [{ action: 'ping' }]);
  last().receive('{"type":"pong"}');
  clock.advance(25_000);
  assert.deepEqual(last().sent, [{ action: 'ping' }, { action: 'ping' }]);
  // No answer since t=25 s: at t=100 s it is 75 s, past 2.5 pings (62.5 s).
  clock.advance(50_000);
  assert.equal(sockets[0]!.closed, 4000);
  assert.equal(client.state, 'reconnecting');
  clock.advance(clock.pending()[0]!);
  assert.equal(sockets.length, 2);
});

test('dispatches analytics, frames and server errors', () => {
  const { client, last, analytics, frames, errors } = setup();
  client.connect();
  last().open();
  last().receive('{"type":"subscription_ack","channel":"processed_frame_3","status":"subscribed"}');
  last().receive(JSON.stringify({ type: 'analytics', channel: 'analytics_metrics_3', data: { video_id: 3, frame_number: 42 } }));
  last().receive(JSON.stringify({ type: 'error', code: 'invalid_channel', message: 'no such channel' }));
  last().receive('not json');
  const header = new TextEncoder().encode('{"type":"frame","channel":"processed_frame_3","video_id":3,"frame_number":43}');
  const frame = new Uint8Array(4 + header.length + 2);
  new DataView(frame.buffer).setUint32(0, header.length);
  frame.set(header, 4);
  frame.set([0xff, 0xd8], 4 + header.length);
  last().receive(frame.buffer);
  last().receive(new Uint8Array([0, 0, 0, 99]).buffer);
  assert.deepEqual(analytics.map((d) => d.frame_number), [42]);
  assert.deepEqual(frames, [43]);
  assert.equal(errors.length, 3);
  assert.equal(errors[0], 'invalid_channel: no such channel');
  assert.match(errors[1]!, /^bad_message: /);
  assert.match(errors[2]!, /^bad_frame: frame header length 99 runs past/);
});

test('a socket that cannot be created counts as a failed attempt', () => {
  let calls = 0;
  const { client, clock, errors } = setup({
    createSocket: () => {
      calls += 1;
      throw new Error('bad URL');
    },
  });
  client.connect();
  assert.deepEqual(clock.pending(), [500]);
  clock.advance(500);
  assert.deepEqual(clock.pending(), [1000]);
  assert.equal(calls, 2);
  assert.deepEqual(errors, ['connect_failed: bad URL', 'connect_failed: bad URL']);
});
