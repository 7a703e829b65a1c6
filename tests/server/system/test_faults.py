"""Crashes mid-run: kill -9 of roadwatch-server, of PostgreSQL and of the pipeline. After
recovery and the end of the run the database holds exactly one violation row per speeding
event of the durable events stream (by session, track and zone), every vehicle passage and
one summary per finished run, and the persister's consumer group has nothing pending.
"""
import collections
import json
import os
import signal
import unittest

import rwserver
from rwserver import CLIP_FRAMES, eventually

SPEED_LIMIT_KMH = 130
MID_RUN_FRAMES = 60


class FaultTest(unittest.TestCase):
    def setUp(self):
        self.pg, self.redis, self.server = rwserver.start_stack(self.addCleanup)
        self.http = self.server.http()
        self.db = self.redis.client()

    def start_run(self, name):
        sid = rwserver.upload_clip(self.http, name, SPEED_LIMIT_KMH)["id"]
        return sid, rwserver.start_stream(self.http, sid)["id"]

    def wait_frames(self, session_id, frames):
        """Waits until the session has published `frames` frames; returns its JSON."""
        def far_enough():
            s = self.http.get(f"/api/sessions/{session_id}")
            if s.status != 200:
                return None
            s = s.json()
            if s["state"] in ("stopped", "failed"):
                raise AssertionError(f"run ended before frame {frames}: {s}")
            return s if s["frames"] >= frames and s["pid"] else None
        return eventually(far_enough, 120, f"session {session_id} at {frames} frames",
                          self.server.log_tail)

    def events_of(self, sid):
        """Every event of source `sid` in roadwatch:events, as (run_id, event)."""
        out = []
        for _, fields in self.db.xrange("roadwatch:events"):
            if fields.get(b"source_id") == str(sid).encode():
                out.append((int(fields[b"run_id"]), json.loads(fields[b"json"])))
        return out

    def check_exactly_once(self, sid):
        """The database against the events stream, once the persister has caught up."""
        events = self.events_of(sid)
        speeding = {(run, e["track_id"], e["zone"]) for run, e in events
                    if e["type"] == "speeding"}
        entered = {(run, e["track_id"]) for run, e in events if e["type"] == "enter"}
        finished = {run for run, e in events if e["type"] == "end_of_stream"}
        self.assertGreater(len(speeding), 0, "no speeding event in the run")

        def pending():
            groups = {g["name"].decode(): g for g in self.db.xinfo_groups("roadwatch:events")}
            return groups.get("persist", {}).get("pending", 1) == 0 and \
                groups["persist"]["last-delivered-id"] == \
                self.db.xinfo_stream("roadwatch:events")["last-generated-id"]
        eventually(pending, 60, "the persist group read and acknowledged every event",
                   lambda: f"{self.db.xinfo_groups('roadwatch:events')}\n"
                           f"{self.server.log_tail()}")

        rows = self.pg.query("SELECT session_id, track_id, zone FROM speeding_violations"
                             " WHERE source_id = %s", (sid,))
        dupes = [k for k, n in collections.Counter(rows).items() if n > 1]
        self.assertEqual(dupes, [], "duplicate violation rows")
        self.assertEqual(sorted(rows), sorted(speeding),
                         "violation rows differ from the speeding events")
        passages = self.pg.query("SELECT session_id, track_id FROM vehicle_passages"
                                 " WHERE source_id = %s", (sid,))
        self.assertEqual(sorted(passages), sorted(entered), "vehicle passages")
        summaries = self.pg.query("SELECT session_id FROM video_analytics WHERE video_id = %s",
                                  (sid,))
        self.assertEqual(sorted(r[0] for r in summaries), sorted(finished), "summaries")
        counted = self.pg.query("SELECT coalesce(sum(vehicle_count), 0) FROM traffic_metrics"
                                " WHERE source_id = %s", (sid,))[0][0]
        self.assertEqual(counted, len(entered), "traffic_metrics counts")
        raw = sum(e["type"] == "speeding" for _, e in events)
        return f"{raw} speeding events in the stream, {len(speeding)} distinct, " \
               f"{len(rows)} violation rows, no duplicate"

    def test_kill9_server_mid_run(self):
        sid, session_id = self.start_run("kill server")
        before = self.wait_frames(session_id, MID_RUN_FRAMES)
        old_server = self.server.pid
        self.server.kill9()
        pipeline_survived = rwserver.pid_alive(before["pid"])
        self.server.start()
        self.server.wait_ready()
        self.assertNotEqual(self.server.pid, old_server)
        session = rwserver.wait_session_end(self.server, self.http, sid)
        self.assertEqual(session["state"], "stopped", session)
        self.assertEqual(session["frames"], CLIP_FRAMES, session)
        if f"re-attached to roadwatch-run pid {before['pid']}" in self.server.log():
            how = "re-attached to the running pipeline"
            self.assertTrue(pipeline_survived)
            self.assertEqual((session["id"], session["restarts"]), (session_id, 0), session)
        elif session["id"] != session_id or session["restarts"] >= 1:
            how = f"restarted the run (session {session['id']}, restarts {session['restarts']})"
        else:
            how = "found the run finished"
            self.assertTrue(pipeline_survived, "the pipeline died with the server, yet the run "
                            f"ended without a restart: {session}")
        outcome = self.check_exactly_once(sid)
        print(f"kill -9 server: pipeline {'survived' if pipeline_survived else 'died'}; "
              f"the new server {how}; {outcome}")

    def test_kill9_postgres_mid_run(self):
        sid, session_id = self.start_run("kill postgres")
        before = self.wait_frames(session_id, MID_RUN_FRAMES)
        self.pg.kill9()
        eventually(lambda: self.http.get("/readyz").status == 503, 30,
                   "/readyz 503 after PostgreSQL died", self.server.log_tail)
        # The pipeline goes on while the database is down (its status lives in Redis).
        eventually(lambda: int(self.db.hget(f"roadwatch:{sid}:status", "frames") or 0) >=
                   before["frames"] + 30, 60, "the pipeline goes on without PostgreSQL",
                   self.server.log_tail)
        self.pg.start()
        eventually(lambda: self.http.get("/readyz").status == 200, 60,
                   "/readyz 200 after PostgreSQL restarted", self.server.log_tail)
        session = rwserver.wait_session_end(self.server, self.http, sid)
        self.assertEqual(session["id"], session_id)
        self.assertEqual(session["state"], "stopped", session)
        self.assertEqual(session["frames"], CLIP_FRAMES, session)
        outcome = self.check_exactly_once(sid)
        print(f"kill -9 PostgreSQL: {outcome}")

    def test_kill9_pipeline_mid_run(self):
        sid, session_id = self.start_run("kill pipeline")
        before = self.wait_frames(session_id, MID_RUN_FRAMES)
        os.kill(before["pid"], signal.SIGKILL)

        def restarted():
            s = self.http.expect(200, "GET", f"/api/videos/{sid}").json()["session"]
            return s if s["pid"] and s["pid"] != before["pid"] and \
                s["state"] in ("starting", "running") else None
        again = eventually(restarted, 60, "the pipeline restarted after kill -9",
                           self.server.log_tail)
        self.assertTrue(again["id"] != session_id or again["restarts"] >= 1, again)
        session = rwserver.wait_session_end(self.server, self.http, sid)
        self.assertEqual(session["state"], "stopped", session)
        outcome = self.check_exactly_once(sid)
        print(f"kill -9 pipeline: restarted as pid {again['pid']} (session {again['id']}, "
              f"restarts {again['restarts']}); {outcome}")


if __name__ == "__main__":
    unittest.main()
