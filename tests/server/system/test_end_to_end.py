"""Upload the sample clip, start it, watch it over WebSocket, and check what the database
holds after the end of the stream: violations (with snapshots), the run's summary, the
per-minute traffic metrics, and the history API (time series, CSV) over them.
"""
import base64
import csv
import io
import math
import unittest

import rwserver
from rwserver import CLIP_FRAMES, eventually

# The clip's vehicles reach 100-190 km/h in the ROI (docs: median 110.9 km/h): a 130 km/h
# limit makes several, but not all, of them speeding.
SPEED_LIMIT_KMH = 130


class EndToEndTest(unittest.TestCase):
    def setUp(self):
        self.pg, self.redis, self.server = rwserver.start_stack(self.addCleanup)
        self.http = self.server.http()
        self.wsloop = rwserver.WsLoop()
        self.addCleanup(self.wsloop.close)

    def test_upload_start_watch_and_history(self):
        http = self.http
        source = rwserver.upload_clip(http, "highway e2e", SPEED_LIMIT_KMH)
        sid = source["id"]
        self.assertIsInstance(sid, int)
        self.assertEqual(source["name"], "highway e2e")
        self.assertEqual(source["kind"], "video")
        self.assertNotIn("file_path", source, "the server's file path is never exposed")
        self.assertEqual(source["speed_limit_kmh"], SPEED_LIMIT_KMH)
        self.assertEqual(source["roi"]["roi_polygon"],
                         rwserver.zone_config()["zones"][0]["polygon"])
        self.assertEqual(source["lines"], rwserver.zone_config()["lines"])
        self.assertEqual(source["calibration"]["image_points"],
                         rwserver.calibration()["image_points"])
        listed = http.expect(200, "GET", "/api/videos").json()
        items = listed["videos"]
        self.assertIn(sid, [v["id"] for v in items])

        # A snapshot frame for calibration, before anything runs.
        frame = http.expect(200, "GET", f"/api/videos/{sid}/frame")
        self.assertEqual(frame.headers.get("content-type"), "image/jpeg")
        self.assertEqual(rwserver.jpeg_size(frame.body), (640, 360))

        # One client on both channels, subscribed before the start so it sees every record;
        # a seed-style client asks for base64 frames.
        frames_ch, analytics_ch = rwserver.channels_of(sid)
        client = rwserver.WsClient(self.wsloop, self.server.ws_url()).connect()
        client.subscribe(frames_ch, analytics_ch)
        client.wait_acks([frames_ch, analytics_ch], on_fail=self.server.log_tail)
        seed = rwserver.WsClient(self.wsloop, self.server.ws_url()).connect()
        seed.subscribe(frames_ch, encoding="base64")
        seed.wait_acks([frames_ch], on_fail=self.server.log_tail)
        status = http.expect(200, "GET", "/api/websocket/status").json()
        self.assertEqual(status["total_clients"], 2, status)
        self.assertEqual(status["channels"][frames_ch]["subscriber_count"], 2, status)
        self.assertEqual(status["channels"][analytics_ch]["subscriber_count"], 1, status)
        self.assertEqual(status["channels"][frames_ch]["video_id"], sid, status)
        # Viewer presence for the pipeline's frame gate.
        viewers = self.redis.client()
        eventually(lambda: viewers.get(f"roadwatch:{sid}:viewers") == b"2", 10,
                   "roadwatch:{sid}:viewers = 2", self.server.log_tail)

        started = rwserver.start_stream(http, sid)
        session_id = started["id"]
        self.assertEqual(started["source_id"], sid)
        self.assertEqual(started["desired_state"], "running")
        self.assertIn(started["state"], ("starting", "running"))

        session = rwserver.wait_session_end(self.server, http, sid)
        self.assertEqual(session["id"], session_id)
        self.assertEqual(session["state"], "stopped", session)
        self.assertEqual(session["frames"], CLIP_FRAMES, session)
        self.assertEqual(session["errors"], 0, session)
        self.assertEqual(http.expect(200, "GET", f"/api/sessions/{session_id}").json()["frames"],
                         CLIP_FRAMES)

        # Analytics: every record, in order, each in the contract's shape.
        client.wait_for(lambda c: any(e["type"] == "end_of_stream" for m in c.analytics()
                                      for e in m["data"]["events"]), 30,
                        "the end_of_stream record", self.server.log_tail)
        datas = [rwserver.check_analytics_message(m, sid, SPEED_LIMIT_KMH)
                 for m in client.analytics()]
        self.assertEqual([d["frame_number"] for d in datas], list(range(CLIP_FRAMES)),
                         "one analytics message per frame, in order")
        self.assertEqual({(d["frame_size"]["w"], d["frame_size"]["h"]) for d in datas},
                         {(640, 360)})
        events = [e for d in datas for e in d["events"]]
        speeding = [e for e in events if e["type"] == "speeding"]
        summary = [e for e in events if e["type"] == "end_of_stream"][0]["summary"]
        self.assertGreater(len(speeding), 0, "no speeding event at a 130 km/h limit")
        self.assertEqual(len({(e["track_id"], e["zone"]) for e in speeding}), len(speeding),
                         "one speeding event per track and zone")
        self.assertTrue(all(e["limit_kmh"] == SPEED_LIMIT_KMH and e["speed_kmh"] >
                            SPEED_LIMIT_KMH for e in speeding), speeding)
        self.assertEqual(summary["violations"], len(speeding), summary)
        # The durable events stream carries the same speeding events, tagged with the run.
        from_redis = rwserver.speeding_events_from_redis(self.redis.client(), sid)
        self.assertEqual(sorted((r, e["track_id"], e["zone"], e["frame_number"])
                                for r, e in from_redis),
                         sorted((session_id, e["track_id"], e["zone"], e["frame_number"])
                                for e in speeding))

        # Frames: binary messages, valid JPEGs of the clip's size, in order.
        headers = [rwserver.check_frame_message(b, sid) for b in client.binaries()]
        self.assertGreater(len(headers), 0, "no frame arrived")
        numbers = [h["frame_number"] for h in headers]
        self.assertEqual(numbers, sorted(set(numbers)), "frames out of order or repeated")
        # The seed's base64 frames: JSON text with a data URI of the same JPEGs.
        seed_frames = [m for m in seed.texts() if m.get("type") == "frame"]
        self.assertGreater(len(seed_frames), 0, "no base64 frame arrived")
        for m in seed_frames:
            data = m["data"]
            self.assertEqual(data["video_id"], sid)
            self.assertTrue(data["processed_frame"].startswith("data:image/jpeg;base64,"))
            jpeg = base64.b64decode(data["processed_frame"].split(",", 1)[1])
            self.assertEqual(rwserver.jpeg_size(jpeg), (640, 360), data["frame_number"])
        self.assertEqual(seed.binaries(), [], "binary frames to a base64 client")
        client.close()
        seed.close()
        eventually(lambda: viewers.get(f"roadwatch:{sid}:viewers") in (None, b"0"), 30,
                   "no viewers once both clients left", self.server.log_tail)

        self.check_violations(sid, session_id, speeding,
                              {d["frame_number"]: {o.get("track_id") for o in d["objects"]}
                               for d in datas})
        self.check_summary(sid, session_id, summary)
        self.check_traffic_metrics(sid, session_id, events, summary, len(speeding))

    def check_violations(self, sid, session_id, speeding, tracks_on_frame):
        """One row per speeding event. A violation whose vehicle is on its reporting frame has
        that frame as a JPEG snapshot; one reported after its vehicle left the picture (a
        track lost before the zone exit, reported at the end of stream) has none (redissink
        documents this) and its snapshot is a 404."""
        def rows():
            got = self.pg.query(
                "SELECT session_id, track_id, zone, frame_number, speed_kmh, limit_kmh, label,"
                " snapshot FROM speeding_violations WHERE source_id = %s ORDER BY track_id",
                (sid,))
            return got if len(got) >= len(speeding) else None
        got = eventually(rows, 30, f"{len(speeding)} speeding_violations rows",
                         self.server.log_tail)
        want = sorted((session_id, e["track_id"], e["zone"], e["frame_number"], e["limit_kmh"],
                       e.get("label", "")) for e in speeding)
        self.assertEqual(sorted((r[0], r[1], r[2], r[3], r[5], r[6]) for r in got), want)
        by_track = {e["track_id"]: e for e in speeding}
        visible = {e["track_id"] for e in speeding
                   if e["track_id"] in tracks_on_frame[e["frame_number"]]}
        self.assertGreater(len(visible), 0, "no violation with its vehicle on the frame")
        for row in got:
            self.assertAlmostEqual(row[4], by_track[row[1]]["speed_kmh"], delta=0.01)
        with_snapshot = {r[1] for r in got if r[7] is not None}
        self.assertEqual(with_snapshot, visible, "violations with a snapshot (by track) != those "
                         "whose vehicle is on the reporting frame")
        for row in got:
            if row[7] is not None:
                self.assertTrue(rwserver.is_jpeg(bytes(row[7])), f"track {row[1]}: not a JPEG")

        listed = self.http.expect(200, "GET", f"/api/violations?source={sid}&limit=100").json()
        self.assertEqual(listed["total"], len(speeding), listed)
        self.assertEqual(sorted(i["track_id"] for i in listed["items"]),
                         sorted(e["track_id"] for e in speeding))
        for item in listed["items"]:
            self.assertEqual(item["source_id"], sid)
            self.assertEqual(item["session_id"], session_id)
            self.assertAlmostEqual(item["speed_kmh"], by_track[item["track_id"]]["speed_kmh"],
                                   delta=0.006)
            path = f"/api/violations/{item['id']}/snapshot"
            if item["track_id"] not in visible:
                self.assertIsNone(item["snapshot_url"], item)
                self.assertEqual(self.http.get(path).status, 404, path)
                continue
            self.assertEqual(item["snapshot_url"], path)
            snap = self.http.expect(200, "GET", path)
            self.assertEqual(snap.headers.get("content-type"), "image/jpeg")
            self.assertEqual(rwserver.jpeg_size(snap.body), (640, 360),
                             f"violation {item['id']}: snapshot is not the 640x360 frame")
        print(f"{len(got)} violations, {len(visible)} with a snapshot "
              f"({len(got) - len(visible)} reported after their vehicle left the picture)")
        # Filters: min_speed keeps exactly the faster ones; limit/offset paginate.
        fastest = max(e["speed_kmh"] for e in speeding)
        fast = self.http.expect(200, "GET", f"/api/violations?source={sid}&min_speed="
                                f"{math.floor(fastest)}").json()
        self.assertEqual([i["track_id"] for i in fast["items"]],
                         [e["track_id"] for e in speeding if e["speed_kmh"] >=
                          math.floor(fastest)])
        page = self.http.expect(200, "GET", f"/api/violations?source={sid}&limit=1&offset=1")
        self.assertEqual(len(page.json()["items"]), min(1, len(speeding) - 1))

    def check_summary(self, sid, session_id, summary):
        row = eventually(lambda: self.pg.query(
            "SELECT total_vehicles_count, avg_dwell_time, vehicle_type_distribution, violations,"
            " video_id FROM video_analytics WHERE session_id = %s", (session_id,)), 30,
            "the video_analytics row of the run", self.server.log_tail)[0]
        self.assertEqual(row[0], summary["total_vehicles"])
        self.assertAlmostEqual(row[1], summary["average_dwell_s"], delta=0.001)
        self.assertEqual(row[2], summary["by_class"])
        self.assertEqual(row[3], summary["violations"])
        self.assertEqual(row[4], sid)
        api = self.http.expect(200, "GET", f"/api/videos/{sid}/analytics").json()
        latest = api["summary"] if "summary" in api else api
        self.assertEqual(latest["total_vehicles_count"], summary["total_vehicles"], api)
        self.assertEqual(latest["vehicle_type_distribution"], summary["by_class"], api)
        self.assertEqual(latest["violations"], summary["violations"], api)

    def check_traffic_metrics(self, sid, session_id, events, summary, violations):
        entered = {}
        for e in events:
            if e["type"] == "enter":
                entered.setdefault(e["track_id"], e["label"])
        self.assertEqual(len(entered), summary["total_vehicles"])
        passages = eventually(lambda: (lambda rows: rows if len(rows) == len(entered) else None)(
            self.pg.query("SELECT track_id, label, speed_kmh, entered_at FROM vehicle_passages"
                          " WHERE session_id = %s", (session_id,))), 30,
            f"{len(entered)} vehicle_passages rows", self.server.log_tail)
        self.assertEqual({r[0]: r[1] for r in passages}, entered)
        exit_speeds = {}
        for e in events:
            if e["type"] == "exit" and "speed_kmh" in e:
                exit_speeds.setdefault(e["track_id"], []).append(e["speed_kmh"])
        for track, _, speed, _ in passages:
            if speed is not None:
                self.assertTrue(any(abs(speed - s) < 0.01 for s in exit_speeds.get(track, [])),
                                f"track {track}: passage speed {speed} is none of its exit "
                                f"speeds {exit_speeds.get(track)}")

        def metrics():
            rows = self.pg.query(
                "SELECT bucket_start, label, vehicle_count, speed_count, speed_sum_kmh,"
                " violations FROM traffic_metrics WHERE source_id = %s ORDER BY bucket_start,"
                " label", (sid,))
            done = sum(r[2] for r in rows) == len(entered) and \
                sum(r[5] for r in rows) == violations
            return rows if done else None
        rows = eventually(metrics, 30, f"traffic_metrics counting {len(entered)} vehicles and "
                          f"{violations} violations", self.server.log_tail)
        by_class = {}
        for r in rows:
            by_class[r[1]] = by_class.get(r[1], 0) + r[2]
            self.assertEqual(r[0].second, 0, "buckets are whole minutes")
        self.assertEqual(by_class, summary["by_class"])
        measured = [p[2] for p in passages if p[2] is not None]
        self.assertEqual(sum(r[3] for r in rows), len(measured))
        self.assertAlmostEqual(sum(r[4] for r in rows), sum(measured), delta=0.01 * len(rows))
        self.check_timeseries(sid, rows, [(p[3], p[2]) for p in passages if p[2] is not None])
        self.check_speeds(sid, measured)

    def check_speeds(self, sid, measured):
        """The speed histogram counts the passages with a speed (the source has this one run);
        its p85 is the time series' 1day p85."""
        body = self.http.expect(200, "GET", f"/api/analytics/speeds?source={sid}").json()
        self.assertEqual(body["vehicles"], len(measured), body)
        self.assertEqual(sum(b["vehicles"] for b in body["bins"]), len(measured), body)
        days = self.http.expect(200, "GET", f"/api/analytics/timeseries?source={sid}"
                                "&window=1day").json()["buckets"]
        if len(days) == 1:  # a run across midnight UTC spans two
            self.assertEqual(body["p85_speed_kmh"], days[0]["p85_speed_kmh"], (body, days))

    def check_timeseries(self, sid, rows, passages_at):
        """The time series (JSON and CSV) against the traffic_metrics rows and, for the 85th
        percentile, the passages' speeds; at 1min, 1hour and 1day windows."""
        for name, seconds in (("1min", 60), ("1hour", 3600), ("1day", 86400)):
            want = {}
            for start, label, count, speed_count, speed_sum, violations in rows:
                ts = int(start.timestamp()) // seconds * seconds
                w = want.setdefault(ts, {"by_class": {}, "vehicles": 0, "speed_count": 0,
                                         "speed_sum": 0.0, "violations": 0})
                w["by_class"][label] = w["by_class"].get(label, 0) + count
                w["vehicles"] += count
                w["speed_count"] += speed_count
                w["speed_sum"] += speed_sum
                w["violations"] += violations
            body = self.http.expect(200, "GET", f"/api/analytics/timeseries?source={sid}"
                                    f"&window={name}").json()
            self.assertEqual(body["window"], name)
            got = {b["start_ms"] // 1000: b for b in body["buckets"]}
            self.assertEqual(sorted(got), sorted(want), f"{name}: bucket starts: {body}")
            for ts, w in want.items():
                b = got[ts]
                self.assertEqual(b["vehicles"], w["vehicles"], f"{name} {ts}: {b}")
                self.assertEqual(b["by_class"], w["by_class"], f"{name} {ts}: {b}")
                self.assertEqual(b["violations"], w["violations"], f"{name} {ts}: {b}")
                if w["speed_count"]:
                    self.assertAlmostEqual(b["mean_speed_kmh"], w["speed_sum"] /
                                           w["speed_count"], delta=0.006, msg=f"{name} {ts}")
                speeds = sorted(v for t, v in passages_at
                                if int(t.timestamp()) // seconds * seconds == ts)
                if speeds:
                    self.assertAlmostEqual(b["p85_speed_kmh"], percentile_cont(speeds, 0.85),
                                           delta=0.006, msg=f"{name} {ts}: p85")
                else:
                    self.assertIsNone(b["p85_speed_kmh"], f"{name} {ts}")
            # The CSV export of the same series: per class and the window's "all".
            resp = self.http.expect(200, "GET", f"/api/analytics/export.csv?source={sid}"
                                    f"&window={name}")
            self.assertTrue(resp.headers.get("content-type", "").startswith("text/csv"),
                            resp.headers)
            self.assertIn("attachment", resp.headers.get("content-disposition", ""))
            table = list(csv.DictReader(io.StringIO(resp.body.decode())))
            totals = {r["bucket_start"]: int(r["vehicles"]) for r in table if r["label"] == "all"}
            self.assertEqual(sorted(totals.values()), sorted(w["vehicles"] for w in want.values()),
                             f"{name}: CSV totals\n{resp.body.decode()[:1000]}")
            per_class = sum(int(r["vehicles"]) for r in table if r["label"] != "all")
            self.assertEqual(per_class, sum(w["vehicles"] for w in want.values()))
            self.assertEqual(sum(int(r["violations"]) for r in table if r["label"] == "all"),
                             sum(w["violations"] for w in want.values()))


def percentile_cont(values, fraction):
    """PostgreSQL's percentile_cont: linear interpolation between the sorted values."""
    pos = fraction * (len(values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)

if __name__ == "__main__":
    unittest.main()
