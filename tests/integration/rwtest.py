"""Shared helpers for the roadwatch integration tests (gst-launch-1.0 driven)."""
import atexit
import functools
import json
import os
import shutil
import subprocess
import tempfile
import time

SOURCE_DIR = os.environ.get("RW_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
PLUGIN_DIR = os.environ.get("RW_PLUGIN_DIR",
                            os.path.join(SOURCE_DIR, "build", "gst-plugins", "gst"))
SCHEMA_FILE = os.path.join(SOURCE_DIR, "docs", "schema", "roadwatch-1.schema.json")

_SCRATCH = tempfile.mkdtemp(prefix="rw-integration-")
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)


def scratch_dir():
    """A fresh directory, removed when the test process exits."""
    return tempfile.mkdtemp(dir=_SCRATCH)


@functools.cache
def asset(kind, name):
    """Path of a shared model ("model") or clip ("media"), as scripts/resolve-asset.sh finds it."""
    proc = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "resolve-asset.sh"), kind, name],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise FileNotFoundError(f"resolve-asset.sh {kind} {name} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def gst_env():
    """Environment that loads the freshly built plugin through a private registry."""
    env = dict(os.environ)
    env["GST_PLUGIN_PATH"] = PLUGIN_DIR
    env["GST_REGISTRY"] = os.path.join(_SCRATCH, "registry.bin")
    env["GST_DEBUG_NO_COLOR"] = "1"
    return env


def gst_launch(pipeline, timeout=120, **paths):
    """Run gst-launch-1.0 -q on `pipeline`; return (returncode, stdout+stderr).

    The pipeline is split on whitespace first and each token is then formatted with `paths`,
    so "filesrc location={clip}" stays one argument even if the path holds spaces.
    Raises AssertionError (a test failure) if it does not finish within `timeout` seconds.
    """
    args = ["gst-launch-1.0", "-q"] + [tok.format(**paths) for tok in pipeline.split()]
    try:
        proc = subprocess.run(args, env=gst_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace",
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"still running after {timeout} s: {' '.join(args)}") from exc
    return proc.returncode, proc.stdout


def run_ok(pipeline, timeout=120, **paths):
    """gst_launch() that raises AssertionError unless the pipeline exits 0 with no GLib CRITICAL."""
    rc, out = gst_launch(pipeline, timeout, **paths)
    if rc != 0 or "CRITICAL" in out:
        raise AssertionError(f"pipeline failed (exit {rc}):\n{pipeline}\n{out[-3000:]}")
    return out


@functools.cache
def require_plugin():
    """Raise AssertionError unless the roadwatch plugin and its elements load."""
    proc = subprocess.run(["gst-inspect-1.0", "roadwatch"], env=gst_env(), capture_output=True,
                          text=True, timeout=120)
    for element in ("yolodetect", "metaconvert"):
        if element not in proc.stdout:
            raise AssertionError(f"no {element} in the roadwatch plugin from {PLUGIN_DIR}:\n"
                                 f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def read_jsonl(path):
    """Parse a JSON-lines file into a list of dicts."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def bbox_px(record, obj):
    """(x1, y1, x2, y2) frame pixels of a roadwatch/1 object."""
    w, h = record["frame_size"]["w"], record["frame_size"]["h"]
    b = obj["bbox"]
    return (b["x"] * w, b["y"] * h, (b["x"] + b["w"]) * w, (b["y"] + b["h"]) * h)


def iou(a, b):
    """Intersection over union of two (x1, y1, x2, y2) boxes."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def free_port():
    """A TCP port on loopback that nothing listens on right now."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A private redis-server on a free loopback port, in its own directory.

    start() waits until it answers PING; kill() is kill -9 (the data since the last save is
    lost, as in a crash); start() again brings it back on the same port.
    """

    def __init__(self):
        self.port = free_port()
        self.dir = scratch_dir()
        self.proc = None

    def start(self, timeout=10):
        """Starts it and returns once its log says it accepts connections."""
        import queue
        import threading
        import time
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # A thread reads the whole log (a full pipe would block redis) and hands lines over:
        # select() on the text stream would not see lines already in its read buffer.
        lines = queue.Queue()

        def read(stream):
            for line in stream:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=read, args=(self.proc.stdout,), daemon=True).start()
        deadline = time.monotonic() + timeout
        log = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            log.append(line)
            if "Ready to accept connections" in line:
                return self
        self.kill()
        raise AssertionError(f"redis-server on port {self.port} did not start:\n{''.join(log)}")

    def client(self):
        import redis
        return redis.Redis(port=self.port)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def eventually(condition, timeout, what, on_fail=None):
    """Polls condition() until it returns something true and returns that; after `timeout`
    seconds raises AssertionError naming `what` (plus on_fail()'s text, e.g. a log tail)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f"\n{on_fail()}" if on_fail else ""
            raise AssertionError(f"not within {timeout} s: {what}{extra}")
        time.sleep(0.05)
