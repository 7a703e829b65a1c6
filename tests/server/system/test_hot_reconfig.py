"""PATCH of a running video: the speed limit, counting line and ROI change in the analytics
from a later frame on, the config version rises, and the pipeline is the same process.
"""
import unittest

import rwserver
from rwserver import CLIP_FRAMES, eventually

NEW_LIMIT_KMH = 100
NEW_LINES = [{"name": "patched", "points": [[0, 180], [640, 180]]}]
# A corner of the frame where no vehicle ever drives (the road crosses the middle).
EMPTY_CORNER_ROI = {"roi_polygon": [[0, 0], [60, 0], [60, 40], [0, 40]]}


class HotReconfigTest(unittest.TestCase):
    def setUp(self):
        self.pg, self.redis, self.server = rwserver.start_stack(self.addCleanup)
        self.http = self.server.http()
        self.wsloop = rwserver.WsLoop()
        self.addCleanup(self.wsloop.close)

    def session(self, session_id):
        return self.http.expect(200, "GET", f"/api/sessions/{session_id}").json()

    def last_frame(self, client):
        frames = [m["data"]["frame_number"] for m in client.analytics()]
        return max(frames) if frames else -1

    def patch_and_wait(self, sid, session_id, client, body):
        """PATCHes the source; waits until the pipeline reports the new config version.
        Returns (version, last frame seen before the PATCH, last frame seen once applied)."""
        before = self.last_frame(client)
        resp = self.http.expect(200, "PATCH", f"/api/videos/{sid}", json_body=body).json()
        version = resp["config_version"]

        def applied():
            s = self.session(session_id)
            if s["state"] in ("stopped", "failed"):
                raise AssertionError(f"the run ended before config {version} applied: {s}\n"
                                     f"{self.server.log_tail()}")
            return s if s["config_version"] == version else None
        session = eventually(applied, 30, f"session reports config_version {version}",
                             self.server.log_tail)
        self.assertEqual(session["pid"], self.pid, "a PATCH must not restart the pipeline")
        self.assertEqual(session["restarts"], 0, session)
        # The source embeds the same live view (not its row, whose config_version is unset).
        embedded = self.http.expect(200, "GET", f"/api/videos/{sid}").json()["session"]
        self.assertEqual((embedded["id"], embedded["config_version"]), (session_id, version))
        return version, before, self.last_frame(client)

    def test_patch_applies_without_restart(self):
        source = rwserver.upload_clip(self.http, "reconfig", speed_limit=0)
        sid = source["id"]
        _, analytics_ch = rwserver.channels_of(sid)
        client = rwserver.WsClient(self.wsloop, self.server.ws_url()).connect()
        client.subscribe(analytics_ch)
        client.wait_acks([analytics_ch], on_fail=self.server.log_tail)
        session_id = rwserver.start_stream(self.http, sid)["id"]
        client.wait_for(lambda c: self.last_frame(c) >= 30, 60, "analytics up to frame 30",
                        self.server.log_tail)
        first = self.session(session_id)
        self.assertEqual(first["state"], "running", first)
        self.pid = first["pid"]
        self.assertIsInstance(self.pid, int)
        v0 = source["config_version"]

        # 1: the speed limit alone (zone state is kept). This clip's cars drive at 100-190 km/h,
        # so frames soon count vehicles above it (stats.speeding_count, per frame).
        v1, sent1, applied1 = self.patch_and_wait(sid, session_id, client,
                                                  {"speed_limit_kmh": NEW_LIMIT_KMH})
        self.assertGreater(v1, v0)
        client.wait_for(lambda c: any(m["data"]["frame_number"] > applied1 and
                                      m["data"]["stats"]["speeding_count"] > 0
                                      for m in c.analytics()), 60,
                        "a frame with a vehicle above the new limit", self.server.log_tail)
        # 2: the ROI moves to an empty corner and the counting line is replaced.
        v2, sent2, applied2 = self.patch_and_wait(sid, session_id, client,
                                                  {"roi": EMPTY_CORNER_ROI, "lines": NEW_LINES})
        self.assertGreater(v2, v1)

        print(f"limit PATCH sent after frame {sent1}, applied by frame {applied1}; ROI/line "
              f"PATCH sent after frame {sent2}, applied by frame {applied2}")
        session = rwserver.wait_session_end(self.server, self.http, sid)
        self.assertEqual(session["id"], session_id)
        self.assertEqual(session["state"], "stopped", session)
        self.assertEqual(session["frames"], CLIP_FRAMES, session)
        self.assertEqual(session["restarts"], 0, "a PATCH must not restart the pipeline")
        stored = self.http.expect(200, "GET", f"/api/videos/{sid}").json()
        self.assertEqual(stored["speed_limit_kmh"], NEW_LIMIT_KMH)
        self.assertEqual(stored["roi"], EMPTY_CORNER_ROI)
        self.assertEqual(stored["lines"], NEW_LINES)

        client.wait_for(lambda c: self.last_frame(c) == CLIP_FRAMES - 1, 30, "the last record")
        datas = {m["data"]["frame_number"]: m["data"] for m in client.analytics()}
        self.assertEqual(sorted(datas), list(range(CLIP_FRAMES)))
        speeding = [(n, e) for n, d in datas.items() for e in d["events"]
                    if e["type"] == "speeding"]
        # Before the first PATCH: no limit, nobody speeding.
        for n in range(sent1 + 1):
            self.assertEqual(datas[n]["stats"]["speeding_count"], 0, f"frame {n}")
            self.assertEqual(datas[n]["speeding_vehicles"], [], f"frame {n}")
        self.assertTrue(all(n > sent1 for n, _ in speeding), speeding)
        # From the first on: speeding at the new limit (events come when a vehicle leaves).
        self.assertTrue(any(datas[n]["speeding_vehicles"] for n in range(applied1 + 1,
                                                                          sent2 + 1)),
                        "no speeding vehicle listed between the two changes")
        for n, e in speeding:
            self.assertEqual(e["limit_kmh"], NEW_LIMIT_KMH, f"frame {n}: {e}")
        for n in range(applied1 + 1, CLIP_FRAMES):
            for v in datas[n]["speeding_vehicles"]:
                self.assertGreater(v["speed"], NEW_LIMIT_KMH, f"frame {n}: {v}")
        # The old line until the second PATCH, the new one after it.
        for n in range(sent2 + 1):
            self.assertIn("count", datas[n]["stats"]["line_counts"], f"frame {n}")
        for n in range(applied2 + 1, CLIP_FRAMES):
            d = datas[n]
            self.assertEqual(set(d["stats"]["line_counts"]), {"patched"}, f"frame {n}")
            # Nothing is inside the empty corner.
            self.assertEqual(d["stats"]["current_in_roi"], 0, f"frame {n}: {d['stats']}")
            self.assertFalse(any(o.get("zones") for o in d["objects"]), f"frame {n}")
            self.assertEqual(d["speeding_vehicles"], [], f"frame {n}")
        self.assertLess(applied2, CLIP_FRAMES - 30, "too few frames after the ROI change to "
                        "tell (the clip ran faster than the config poll)")


if __name__ == "__main__":
    unittest.main()
