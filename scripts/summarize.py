#!/usr/bin/python3
"""Prints a short summary of a roadwatch/1 JSON-lines file: frames, objects per class, tracks,
and, when the speed and zone elements ran, zone totals, line counts and speeds."""
import collections
import json
import sys


def main(path: str, seconds: float | None) -> int:
    frames = 0
    per_class = collections.Counter()
    track_ids = set()
    busiest = (0, -1)
    last_pts_ns = None
    last_stats = None
    speeds = collections.defaultdict(list)  # track id: [(speed_kmh, speed_err_kmh)]
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            frames += 1
            objects = record["objects"]
            per_class.update(o["label"] for o in objects)
            track_ids.update(o["track_id"] for o in objects if "track_id" in o)
            busiest = max(busiest, (len(objects), record["frame_number"]))
            last_pts_ns = record.get("pts_ns", last_pts_ns)
            last_stats = record.get("stats", last_stats)
            for o in objects:
                if "speed_kmh" in o and "track_id" in o:
                    speeds[o["track_id"]].append((o["speed_kmh"], o["speed_err_kmh"]))
    if frames == 0:
        print(f"{path}: no frames were analysed", file=sys.stderr)
        return 1
    video_s = (last_pts_ns or 0) / 1e9
    print(f"frames analysed : {frames} ({video_s:.1f} s of video)")
    if seconds:
        print(f"processing      : {seconds:.1f} s wall, {frames / seconds:.1f} frames/s")
    print(f"detections      : {sum(per_class.values())} "
          f"({sum(per_class.values()) / frames:.1f} per frame)")
    for label, count in per_class.most_common():
        print(f"  {label:<14}: {count}")
    print(f"busiest frame   : #{busiest[1]} with {busiest[0]} objects")
    if track_ids:
        print(f"vehicles tracked: {len(track_ids)} distinct track ids")
    if last_stats:
        classes = ", ".join(f"{k} {v}" for k, v in sorted(last_stats["by_class"].items()))
        print(f"vehicles in roi : {last_stats['total_vehicles']} ({classes})")
        for name, count in last_stats["line_counts"].items():
            print(f"line {name:<11}: {count['forward']} forward, {count['backward']} backward")
    if speeds:
        vehicle_speeds = [median([s for s, _ in v]) for v in speeds.values()]
        vehicle_errors = [median([e for _, e in v]) for v in speeds.values()]
        print(f"speeds (median) : {median(vehicle_speeds):.1f} km/h over {len(speeds)} "
              f"vehicles, median ±{median(vehicle_errors):.1f} km/h")
    return 0


def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: summarize.py FILE.jsonl [WALL_SECONDS]")
    sys.exit(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) == 3 else None))
