"""Every error status of the API, each with its JSON error body: 400, 401, 403, 404, 405,
409, 413, 415 and 503 (PostgreSQL stopped, then back without restarting the server).
"""
import os
import unittest

import rwserver
from rwserver import eventually

OPERATOR = "op-7c1d0b3e5f2a4d69"
VIEWER = "view-91ab2c6d4e0f8a37"
ALLOWED_ORIGIN = "http://dashboard.example"
MAX_UPLOAD_MB = 1
UNAVAILABLE = ("unavailable", "database_unavailable")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)


def files_under(path):
    return sorted(os.path.relpath(os.path.join(d, f), path)
                  for d, _, names in os.walk(path) for f in names)


class ErrorStatusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # One stack for every case (each case cleans up after itself): auth on, a 1 MiB
        # upload limit, one allowed browser origin.
        cls.pg, cls.redis, cls.server = rwserver.start_stack(
            cls.addClassCleanup, "--require-auth", "--max-upload-mb", str(MAX_UPLOAD_MB),
            "--allow-origin", ALLOWED_ORIGIN, tokens={OPERATOR: "operator", VIEWER: "viewer"})
        cls.op = cls.server.http(OPERATOR)
        cls.viewer = cls.server.http(VIEWER)
        cls.anon = cls.server.http()
        cls.video = rwserver.upload_clip(cls.op, "errors")

    def expect_error(self, status, codes, resp, what):
        """The status and a JSON error body whose code is `codes` (or one of them)."""
        self.assertEqual(resp.status, status, f"{what}: {resp}\n{self.server.log_tail()}")
        codes = (codes,) if isinstance(codes, str) else codes
        self.assertIn(resp.error_code(), codes, f"{what}: {resp}")
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"),
                        f"{what}: {resp.headers}")

    def test_400_bad_json_and_bad_query(self):
        vid = self.video["id"]
        for body in (b"{not json", b"[1, 2]", b'{"speed_limit_kmh": "fast"}',
                     b'{"roi": {"roi_polygon": [[0, 0], [1]]}}', b'{"speed_limit_kmh": -5}'):
            resp = self.op.patch(f"/api/videos/{vid}", body=body,
                                 headers={"Content-Type": "application/json"})
            self.expect_error(400, "bad_request", resp, f"PATCH {body!r}")
        for query in ("/api/violations?limit=abc", "/api/violations?limit=-1",
                      "/api/violations?from=yesterday", "/api/violations?min_speed=fast",
                      "/api/analytics/timeseries?window=2min",
                      "/api/analytics/timeseries?source=x&window=1min"):
            self.expect_error(400, "bad_request", self.op.get(query), query)
        # Nothing changed by the rejected PATCHes.
        now = self.op.expect(200, "GET", f"/api/videos/{vid}").json()
        self.assertEqual(now["config_version"], self.video["config_version"])

    def test_401_without_or_with_a_wrong_token(self):
        for path in ("/api/videos", "/api/sessions", "/api/violations", "/metrics"):
            self.expect_error(401, "unauthorized", self.anon.get(path), f"GET {path} no token")
        wrong = self.server.http("not-a-token")
        self.expect_error(401, "unauthorized", wrong.get("/api/videos"), "wrong token")
        # Liveness stays open for probes.
        self.assertEqual(self.anon.get("/healthz").status, 200)

    def test_403_viewer_on_operator_routes_and_bad_origin(self):
        vid = self.video["id"]
        self.viewer.expect(200, "GET", "/api/videos", "viewer may read")
        for method, path, body in (("POST", f"/api/videos/{vid}/stream/start", None),
                                   ("PATCH", f"/api/videos/{vid}", b'{"speed_limit_kmh": 50}'),
                                   ("DELETE", f"/api/videos/{vid}", None)):
            resp = self.viewer.request(method, path, body=body,
                                       headers={"Content-Type": "application/json"})
            self.expect_error(403, "forbidden", resp, f"viewer {method} {path}")
        import websockets
        wsloop = rwserver.WsLoop()
        try:
            bad = rwserver.WsClient(wsloop, self.server.ws_url(), origin="http://evil.example",
                                    token=VIEWER)
            with self.assertRaises(websockets.InvalidStatusCode) as ctx:
                bad.connect()
            self.assertEqual(ctx.exception.status_code, 403)
            # The allowed origin with a viewer token: in the first message, or in the query.
            good = rwserver.WsClient(wsloop, self.server.ws_url(), origin=ALLOWED_ORIGIN,
                                     token=VIEWER).connect()
            query = rwserver.WsClient(wsloop, self.server.ws_url(f"token={VIEWER}"),
                                      origin=ALLOWED_ORIGIN).connect()
            for client in (good, query):
                client.send({"action": "ping"})
                client.wait_for(lambda c: {"type": "pong"} in c.texts(), 10, "pong",
                                self.server.log_tail)
            self.assertNotIn(VIEWER, self.server.log(), "a token in the server log")
            # No token at all: told and closed.
            anon = rwserver.WsClient(wsloop, self.server.ws_url(), origin=ALLOWED_ORIGIN).connect()
            anon.send({"action": "subscribe", "channel": "analytics_metrics_1"})
            anon.wait_for(lambda c: c.closed, 20, "an unauthenticated WebSocket is closed")
            self.assertEqual(anon.closed[0], 1008, anon.closed)
            self.assertFalse(anon.acks(), "subscribed without a token")
        finally:
            wsloop.close()

    def test_404(self):
        for path in ("/api/videos/999999", "/api/sessions/999999",
                     "/api/violations/999999/snapshot", "/api/videos/999999/analytics",
                     "/api/no-such-route", "/api/videos/abc"):
            self.expect_error(404, "not_found", self.op.get(path), f"GET {path}")
        self.expect_error(404, "not_found", self.op.post("/api/videos/999999/stream/start"),
                          "start of a missing video")

    def test_405(self):
        for method, path in (("PUT", "/api/videos"), ("DELETE", "/api/sessions"),
                             ("POST", "/healthz"), ("GET", "/api/videos/upload")):
            resp = self.op.request(method, path)
            self.expect_error(405, "method_not_allowed", resp, f"{method} {path}")
            self.assertIn("allow", resp.headers, f"{method} {path}: no Allow header")

    def test_409_double_start_and_delete_running(self):
        vid = rwserver.upload_clip(self.op, "conflicts")["id"]
        rwserver.start_stream(self.op, vid)
        try:
            self.expect_error(409, "conflict", self.op.post(f"/api/videos/{vid}/stream/start"),
                              "second start")
            self.expect_error(409, "conflict", self.op.delete(f"/api/videos/{vid}"),
                              "delete while running")
        finally:
            self.op.expect(200, "POST", f"/api/videos/{vid}/stream/stop")
        session = rwserver.wait_session_end(self.server, self.op, vid, timeout=60)
        self.assertEqual(session["state"], "stopped", session)
        self.expect_error(409, "conflict", self.op.post(f"/api/videos/{vid}/stream/stop"),
                          "stop when not running")
        resp = self.op.delete(f"/api/videos/{vid}")
        self.assertIn(resp.status, (200, 204), resp)
        self.expect_error(404, "not_found", self.op.get(f"/api/videos/{vid}"), "deleted video")

    def test_413_upload_over_the_limit(self):
        before = files_under(self.server.data_dir)
        # A real MP4 start (the signature check passes), padded past the limit.
        with open(rwserver.rwtest.asset("media", rwserver.CLIP), "rb") as f:
            clip = f.read()
        over = MAX_UPLOAD_MB * 1024 * 1024 + 4096
        video = (clip * (over // len(clip) + 1))[:over]
        body, ctype = rwserver.encode_multipart(
            {"name": "too big"}, [("video", "big.mp4", video, "video/mp4")])
        pieces = [body[i:i + 65536] for i in range(0, len(body), 65536)]
        resp = self.op.streamed_upload("/api/videos/upload", {
            "Content-Type": ctype, "Content-Length": str(len(body))}, pieces)
        self.expect_error(413, "payload_too_large", resp, "Content-Length over the limit")
        resp = self.op.streamed_upload("/api/videos/upload", {
            "Content-Type": ctype, "Transfer-Encoding": "chunked"}, pieces)
        self.expect_error(413, "payload_too_large", resp, "chunked body over the limit")
        self.assertEqual(files_under(self.server.data_dir), before,
                         "a rejected upload left a file behind")
        self.op.expect(200, "GET", "/api/videos", "the server still answers")

    def test_415_not_a_video(self):
        before = files_under(self.server.data_dir)
        for name, data in (("picture.mp4", PNG), ("notes.mp4", b"just some text\n" * 100),
                           ("empty.mp4", b"")):
            body, ctype = rwserver.encode_multipart({"name": name},
                                                    [("video", name, data, "video/mp4")])
            resp = self.op.post("/api/videos/upload", body=body, headers={"Content-Type": ctype})
            self.expect_error(415, "unsupported_media_type", resp, name)
        self.assertEqual(files_under(self.server.data_dir), before,
                         "a rejected upload left a file behind")

    def test_503_while_postgres_is_down(self):
        pid = self.server.pid
        self.pg.stop()
        try:
            eventually(lambda: self.anon.get("/readyz").status == 503, 30,
                       "/readyz says 503 with PostgreSQL stopped", self.server.log_tail)
            for path in ("/api/violations", "/api/videos", "/api/sessions"):
                self.expect_error(503, UNAVAILABLE, self.op.get(path), f"GET {path}")
            self.assertEqual(self.anon.get("/healthz").status, 200, "liveness stays 200")
        finally:
            self.pg.start()
        eventually(lambda: self.anon.get("/readyz").status == 200, 60,
                   "/readyz back to 200 after PostgreSQL restarts", self.server.log_tail)
        self.op.expect(200, "GET", "/api/violations", "after PostgreSQL came back")
        self.assertEqual(self.server.pid, pid)
        self.assertIsNone(self.server.proc.poll(), "the server must not exit")


if __name__ == "__main__":
    unittest.main()
