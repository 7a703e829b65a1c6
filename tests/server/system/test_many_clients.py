"""200 WebSocket clients on one running source, 20 of them slow (10 never read, 10 read one
message every half second): the server's memory stays bounded, every fast client gets every
analytics message in order and frames all through the run, and no client ever loses an
analytics message silently (it gets them all, or is told slow_consumer and closed 1008).
"""
import json
import re
import threading
import unittest

import rwserver
from rwserver import CLIP_FRAMES, eventually

FAST_ANALYTICS = 170   # analytics only
FAST_BOTH = 10         # analytics and frames
NEVER_READ = 10        # frames and analytics, never read (a stalled browser tab)
SLOW_READ = 10         # frames and analytics, one message every SLOW_DELAY_S
SLOW_DELAY_S = 0.5
# The hub's per-client bounds (WsHubConfig defaults in the contract).
FRAME_BACKLOG_BYTES = 1 << 20
ANALYTICS_BACKLOG = 256
PER_CLIENT_OVERHEAD_BYTES = 128 << 10  # connection state, buffers, libsoup objects
SLACK_BYTES = 32 << 20                 # allocator and PostgreSQL/Redis client noise


class RssSampler(threading.Thread):
    """Samples a process's VmRSS every 50 ms until stopped; keeps the maximum (KiB)."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.max_kib = 0
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.wait(0.05):
            try:
                self.max_kib = max(self.max_kib, rwserver.rss_kib(self.pid))
            except (OSError, AssertionError):
                return


class ManyClientsTest(unittest.TestCase):
    def setUp(self):
        self.pg, self.redis, self.server = rwserver.start_stack(self.addCleanup)
        self.http = self.server.http()
        self.wsloop = rwserver.WsLoop()
        self.addCleanup(self.wsloop.close)

    def connect(self, n, channels, **kw):
        clients = []
        for _ in range(n):
            c = rwserver.WsClient(self.wsloop, self.server.ws_url(), **kw).connect()
            c.subscribe(*channels)
            self.addCleanup(c.close)
            clients.append(c)
        return clients

    def check_no_silent_loss(self, client, what, stalled=False):
        """The analytics a client got are 0, 1, 2, ... without a gap; if not all of them, it
        was closed: with slow_consumer and 1008, or, for a client that stopped reading
        altogether (`stalled`), possibly cut off (1006) with the error stuck behind the data
        it never read. Returns True if it was closed."""
        numbers = [m["data"]["frame_number"] for m in client.analytics()]
        self.assertEqual(numbers, list(range(len(numbers))), f"{what}: analytics gap/order")
        if len(numbers) == CLIP_FRAMES:
            return False
        self.assertIsNotNone(client.closed, f"{what}: got {len(numbers)} of {CLIP_FRAMES} "
                             "analytics messages and was not closed")
        if stalled and client.closed[0] == 1006:
            return True
        errors = [m for m in client.texts() if m.get("type") == "error"]
        self.assertTrue(errors and errors[-1].get("code") == "slow_consumer",
                        f"{what}: got {len(numbers)} of {CLIP_FRAMES} analytics messages and no "
                        f"slow_consumer error (errors: {errors}, closed: {client.closed})")
        self.assertEqual(client.closed[0], 1008, f"{what}: close code {client.closed}")
        return True

    def test_200_clients_some_slow(self):
        sid = rwserver.upload_clip(self.http, "crowd", speed_limit=130)["id"]
        frames_ch, analytics_ch = rwserver.channels_of(sid)
        baseline_kib = rwserver.rss_kib(self.server.pid)
        fast = self.connect(FAST_ANALYTICS, [analytics_ch])
        fast_both = self.connect(FAST_BOTH, [frames_ch, analytics_ch])
        slow = self.connect(SLOW_READ, [frames_ch, analytics_ch], reader=SLOW_DELAY_S)
        # A tiny receive buffer: the server's side fills after a few frames.
        never = self.connect(NEVER_READ, [frames_ch, analytics_ch], reader="never",
                             rcvbuf=4096)
        total = FAST_ANALYTICS + FAST_BOTH + SLOW_READ + NEVER_READ
        for c in fast + fast_both:
            c.wait_acks([analytics_ch], on_fail=self.server.log_tail)

        def all_subscribed():
            status = self.http.get("/api/websocket/status").json()
            channels = status.get("channels", {})
            return status.get("total_clients") == total and \
                channels.get(analytics_ch, {}).get("subscriber_count") == total and \
                channels.get(frames_ch, {}).get("subscriber_count") == \
                FAST_BOTH + SLOW_READ + NEVER_READ
        eventually(all_subscribed, 30, f"{total} clients subscribed (/api/websocket/status)",
                   self.server.log_tail)
        connected_kib = rwserver.rss_kib(self.server.pid)

        sampler = RssSampler(self.server.pid)
        sampler.start()
        self.addCleanup(sampler.stop_event.set)
        rwserver.start_stream(self.http, sid)
        session = rwserver.wait_session_end(self.server, self.http, sid, timeout=300)
        self.assertEqual(session["state"], "stopped", session)
        self.assertEqual(session["frames"], CLIP_FRAMES, session)
        for i, c in enumerate(fast + fast_both):
            c.wait_for(lambda c: len(c.analytics()) >= CLIP_FRAMES or c.closed, 60,
                       f"fast client {i}: all {CLIP_FRAMES} analytics messages",
                       self.server.log_tail)
        sampler.stop_event.set()
        sampler.join()
        peak_kib = max(sampler.max_kib, rwserver.rss_kib(self.server.pid, "VmHWM"))
        largest_analytics = max(len(json.dumps(m)) for m in fast[0].analytics())
        per_slow = FRAME_BACKLOG_BYTES + ANALYTICS_BACKLOG * largest_analytics
        bound_kib = connected_kib + ((SLOW_READ + NEVER_READ) * per_slow +
                                     total * PER_CLIENT_OVERHEAD_BYTES + SLACK_BYTES) // 1024
        frames_bytes = sum(len(b) for b in fast_both[0].binaries())
        unbounded_kib = NEVER_READ * (frames_bytes + CLIP_FRAMES * largest_analytics) // 1024
        print(f"server RSS: {baseline_kib} KiB idle, {connected_kib} KiB with {total} clients, "
              f"peak {peak_kib} KiB during the run; bound {bound_kib} KiB; an unbounded queue "
              f"would add about {unbounded_kib} KiB")

        # Fast clients: everything, in order, never closed.
        for i, c in enumerate(fast + fast_both):
            numbers = [m["data"]["frame_number"] for m in c.analytics()]
            self.assertEqual(numbers, list(range(CLIP_FRAMES)),
                             f"fast client {i}: analytics incomplete or out of order "
                             f"(closed: {c.closed})\n{self.server.log_tail()}")
            self.assertIsNone(c.closed, f"fast client {i} was closed: {c.closed}")
        for i, c in enumerate(fast_both):
            headers = [rwserver.check_frame_message(b, sid) for b in c.binaries()]
            numbers = [h["frame_number"] for h in headers]
            self.assertEqual(numbers, sorted(set(numbers)), f"frames client {i}: order")
            self.assertTrue(any(n < CLIP_FRAMES // 4 for n in numbers) and
                            any(n > CLIP_FRAMES * 3 // 4 for n in numbers),
                            f"frames client {i}: frames did not keep arriving all through the "
                            f"run: {numbers[:5]}...{numbers[-5:]} ({len(numbers)})")

        # Slow clients: all analytics, or told and closed; their frames skip, never repeat.
        # They now read at full speed what is still queued for them.
        for c in never:
            c.drain()
        for i, c in enumerate(slow):
            c.reader = "fast"
            c.wait_for(lambda c: len(c.analytics()) >= CLIP_FRAMES or c.closed, 60,
                       f"slow reader {i}: the rest of its analytics, or a close",
                       self.server.log_tail)
        closed = 0
        for i, c in enumerate(slow + never):
            what = f"slow client {i} ({'never reads' if c in never else 'slow reader'})"
            closed += self.check_no_silent_loss(c, what, stalled=c in never)
            print(f"{what}: {len(c.analytics())} analytics, {len(c.binaries())} frames, "
                  f"closed {c.closed}")
            numbers = [rwserver.parse_frame_message(b)[0]["frame_number"] for b in c.binaries()]
            self.assertEqual(numbers, sorted(set(numbers)), f"{what}: frames out of order")

        metrics = self.http.expect(200, "GET", "/metrics").body.decode()
        counted = re.search(r"^rw_ws_slow_consumer_closes_total (\S+)$", metrics, re.M)
        self.assertIsNotNone(counted, "no rw_ws_slow_consumer_closes_total in /metrics")
        self.assertEqual(float(counted.group(1)), closed, "slow-consumer closes in /metrics")
        self.assertLess(peak_kib, bound_kib,
                        f"server memory grew past the bound: peak {peak_kib} KiB, connected "
                        f"{connected_kib} KiB\n{self.server.log_tail()}")


if __name__ == "__main__":
    unittest.main()
