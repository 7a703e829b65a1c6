"""Harness for the roadwatch-server system tests: a private PostgreSQL cluster, a private
redis-server (rwtest's), the server itself, HTTP and WebSocket clients. No fixed sleeps:
everything waits on a condition with a deadline (eventually()).
"""
import asyncio
import http.client
import json
import os
import pwd
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "integration"))
import rwtest  # noqa: E402  (the shared helpers: free_port, RedisServer, asset, gst_env)
from rwtest import eventually  # noqa: E402,F401  (re-exported for the test files)

SOURCE_DIR = rwtest.SOURCE_DIR
BUILD_DIR = os.environ.get("RW_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
SERVER = os.environ.get("RW_SERVER", os.path.join(BUILD_DIR, "control-server", "server", "app",
                                                  "roadwatch-server"))
RUNNER = os.environ.get("RW_RUN", os.path.join(BUILD_DIR, "tools", "run", "roadwatch-run"))
PG_BIN = os.environ.get("RW_PG_BIN", "/usr/lib/postgresql/15/bin")
PIPELINES = os.path.join(SOURCE_DIR, "pipelines")
CLIP = "highway-640x360.mp4"
CLIP_FRAMES = 341
ZONES_FILE = os.path.join(PIPELINES, "zones", "highway-640x360.json")
CALIBRATION_FILE = os.path.join(PIPELINES, "calibration", "highway-640x360.json")


def _private_dir(prefix):
    """A temp dir that the postgres user can traverse (rwtest's scratch root is 0700)."""
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o755)
    return path


# --------------------------------------------------------------------------------------------
# PostgreSQL


class PostgresCluster:
    """A private PostgreSQL 15 cluster: initdb in a temp dir, a free loopback port, its unix
    socket inside the temp dir. As root, every PostgreSQL program runs as user `postgres` on
    a directory it owns (Popen's user/group: what `runuser -u postgres --` does, keeping the
    postmaster's own pid). The postmaster runs in its own process group, so kill9() crashes
    the whole cluster at once (postmaster and backends), as a machine or OOM kill would.
    """

    def __init__(self, dbname="roadwatch"):
        self.port = rwtest.free_port()
        self.root = _private_dir("rw-pg-")
        self.data_dir = os.path.join(self.root, "data")
        self.socket_dir = os.path.join(self.root, "sock")
        self.log_path = os.path.join(self.root, "postgres.log")
        self.dbname = dbname
        self.proc = None
        self._user = None
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            self._user = (entry.pw_uid, entry.pw_gid)
        os.makedirs(self.socket_dir)
        if self._user:
            os.chown(self.socket_dir, *self._user)
        self._initdb()

    def _run_as(self):
        """Popen keyword arguments that run a program as postgres when we are root."""
        if not self._user:
            return {}
        return {"user": self._user[0], "group": self._user[1], "extra_groups": []}

    def _initdb(self):
        os.makedirs(self.data_dir, mode=0o700)
        if self._user:
            os.chown(self.data_dir, *self._user)
        proc = subprocess.run([os.path.join(PG_BIN, "initdb"), "-D", self.data_dir,
                               "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync",
                               "--no-instructions"],
                              capture_output=True, text=True, timeout=120, cwd=self.root,
                              **self._run_as())
        if proc.returncode != 0:
            raise AssertionError(f"initdb failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")

    @property
    def conninfo(self):
        """libpq conninfo of the test database (unix socket: trust auth, private to the run)."""
        return f"host={self.socket_dir} port={self.port} user=postgres dbname={self.dbname}"

    def log_tail(self, chars=3000):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-chars:]
        except OSError:
            return ""

    def start(self, timeout=60):
        """Starts the postmaster and waits until the test database accepts connections. A
        start right after kill9() retries while the dead cluster's backends still hold its
        shared memory."""
        deadline = time.monotonic() + timeout
        while True:
            self._spawn()
            try:
                eventually(lambda: self._can_connect("postgres") or self.proc.poll() is not None,
                           max(1.0, deadline - time.monotonic()), "PostgreSQL accepts connections",
                           self.log_tail)
            except AssertionError:
                self.kill9()
                raise
            if self.proc.poll() is None:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"PostgreSQL did not start:\n{self.log_tail()}")
        self._ensure_database()
        return self

    def _spawn(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [os.path.join(PG_BIN, "postgres"), "-D", self.data_dir, "-p", str(self.port), "-k",
             self.socket_dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
             "-c", "full_page_writes=off", "-c", "max_connections=200"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.root,
            **self._run_as())
        log.close()

    def _can_connect(self, dbname):
        import psycopg2
        try:
            psycopg2.connect(host=self.socket_dir, port=self.port, user="postgres",
                             dbname=dbname, connect_timeout=2).close()
            return True
        except psycopg2.OperationalError:
            return False

    def _ensure_database(self):
        import psycopg2
        conn = psycopg2.connect(host=self.socket_dir, port=self.port, user="postgres",
                                dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.dbname,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{self.dbname}"')
        conn.close()

    def connect(self):
        """A psycopg2 connection to the test database (autocommit)."""
        import psycopg2
        conn = psycopg2.connect(host=self.socket_dir, port=self.port, user="postgres",
                                dbname=self.dbname, connect_timeout=5)
        conn.autocommit = True
        return conn

    def query(self, sql, params=()):
        """Runs one statement on a fresh connection; returns all rows (or [] without any)."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30):
        """Fast shutdown (SIGINT: disconnects clients, checkpoints)."""
        if self.running():
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()

    def kill9(self):
        """kill -9 of the postmaster and every backend (its process group)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def restart(self, timeout=60):
        self.stop()
        return self.start(timeout)

    def destroy(self):
        self.kill9()
        shutil.rmtree(self.root, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict, lower-case names
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise AssertionError(f"HTTP {self.status}: body is not JSON: {self.body[:500]!r}") \
                from exc

    def error_code(self):
        """The `code` of a JSON error body {"error": {"code", "message"}}."""
        body = self.json()
        if not isinstance(body, dict) or not isinstance(body.get("error"), dict) \
                or not isinstance(body["error"].get("code"), str) \
                or not isinstance(body["error"].get("message"), str):
            raise AssertionError(f"HTTP {self.status}: not a JSON error body: {self.body[:500]!r}")
        return body["error"]["code"]

    def __repr__(self):
        return f"HTTP {self.status} {self.body[:300]!r}"


def encode_multipart(fields, files=()):
    """multipart/form-data body: fields {name: str}, files [(name, filename, bytes, type)].
    Returns (body, content_type)."""
    boundary = "rw" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                     .encode() + str(value).encode() + b"\r\n")
    for name, filename, data, ctype in files:
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                     f"filename=\"{filename}\"\r\nContent-Type: {ctype}\r\n\r\n".encode() + data +
                     b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Http:
    """A tiny HTTP/1.1 client on http.client (one connection per request, no extra deps)."""

    def __init__(self, host, port, token=None):
        self.host = host
        self.port = port
        self.token = token

    def with_token(self, token):
        return Http(self.host, self.port, token)

    def _headers(self, headers):
        out = {}
        if self.token:
            out["Authorization"] = f"Bearer {self.token}"
        out.update(headers or {})
        return out

    def request(self, method, path, body=None, headers=None, json_body=None, timeout=30):
        headers = self._headers(headers)
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def expect(self, status, method, path, what="", **kw):
        """request() that fails the test unless the status is `status`."""
        resp = self.request(method, path, **kw)
        if resp.status != status:
            raise AssertionError(f"{method} {path} {what}: expected {status}, got {resp}")
        return resp

    def streamed_upload(self, path, headers, chunks, timeout=30):
        """Sends a request whose body comes from `chunks` (bytes pieces) and stops sending as
        soon as the server answers early or closes (a size limit rejecting the body while it
        arrives). `headers` must say Content-Length or Transfer-Encoding: chunked; with the
        latter each piece is framed as a chunk. Returns the Response."""
        headers = self._headers(headers)
        chunked = headers.get("Transfer-Encoding") == "chunked"
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            head = f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            sock.sendall((head + "\r\n").encode())
            pieces = list(chunks)
            if chunked:
                pieces = [b"%x\r\n" % len(p) + p + b"\r\n" for p in pieces] + [b"0\r\n\r\n"]
            for piece in pieces:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:  # an early answer (or a close): stop sending
                    break
                try:
                    sock.sendall(piece)
                except (BrokenPipeError, ConnectionResetError):
                    break
            return _read_response(sock, timeout)
        finally:
            sock.close()


def _read_response(sock, timeout):
    """Reads one HTTP/1.1 response from a raw socket (Content-Length, chunked or close)."""
    resp = http.client.HTTPResponse(sock)
    sock.settimeout(timeout)
    try:
        resp.begin()
        data = resp.read()
    except (ConnectionResetError, http.client.RemoteDisconnected) as exc:
        raise AssertionError(f"connection reset before a response: {exc}") from exc
    return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)


def is_jpeg(data):
    return len(data) > 4 and data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"


def jpeg_size(data):
    """(width, height) of a JPEG, decoded for real with OpenCV; None if it does not decode."""
    import cv2
    import numpy as np
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return None if img is None else (img.shape[1], img.shape[0])


# --------------------------------------------------------------------------------------------
# roadwatch-server


def processes_mentioning(text):
    """Pids of live processes whose command line contains `text` (e.g. a private data dir)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    pids.append(int(entry))
        except OSError:
            pass
    return [p for p in pids if p != os.getpid()]


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def rss_kib(pid, field="VmRSS"):
    """VmRSS (or VmHWM: the peak) of a process in KiB, from /proc/<pid>/status."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


class ServerProcess:
    """roadwatch-server with a private data dir, PostgreSQL and Redis, on a free port kept
    across restarts. start() waits for its `listening on` line; kill9() is a crash; the log
    (stdout + stderr of every start) is kept for failure messages.
    """

    LISTENING = re.compile(r"listening on (?:https?://)?\[?([0-9.:a-f]+)\]?:(\d+)")

    def __init__(self, pg, redis, *extra_args, tokens=None, env=None):
        self.pg = pg
        self.redis = redis
        self.port = rwtest.free_port()
        self.root = tempfile.mkdtemp(prefix="rw-server-")
        self.data_dir = os.path.join(self.root, "data")
        os.makedirs(self.data_dir)
        self.log_path = os.path.join(self.root, "server.log")
        self.extra_args = list(extra_args)
        self.env = dict(rwtest.gst_env(), **(env or {}))
        self.tokens_file = None
        if tokens:  # {token: role}
            self.tokens_file = os.path.join(self.root, "tokens")
            with open(self.tokens_file, "w") as f:
                for token, role in tokens.items():
                    f.write(f"{token} {role} {role}-user\n")
        self.proc = None
        self.host = "127.0.0.1"

    def args(self):
        args = [SERVER, "--bind", self.host, "--port", str(self.port),
                "--data-dir", self.data_dir, "--pg", self.pg.conninfo,
                "--redis-host", "127.0.0.1", "--redis-port", str(self.redis.port),
                "--model", rwtest.asset("model", "yolox_nano.onnx"), "--runner", RUNNER,
                "--plugin-dir", rwtest.PLUGIN_DIR]
        if self.tokens_file:
            args += ["--tokens-file", self.tokens_file]
        return args + self.extra_args

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, chars=4000):
        return f"--- roadwatch-server log (tail) ---\n{self.log()[-chars:]}"

    def start(self, timeout=60):
        offset = len(self.log())
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(self.args(), stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env, cwd=self.root, start_new_session=True)

        def listening():
            match = self.LISTENING.search(self.log()[offset:])
            if match:
                return match
            if self.proc.poll() is not None:
                raise AssertionError(f"roadwatch-server exited with {self.proc.returncode} "
                                     f"before listening:\n{self.log_tail()}")
            return None

        match = eventually(listening, timeout, "roadwatch-server says `listening on`",
                           self.log_tail)
        if int(match.group(2)) != self.port:
            raise AssertionError(f"listening on {match.group(0)}, asked for {self.port}")
        return self

    @property
    def pid(self):
        return self.proc.pid

    def http(self, token=None):
        return Http(self.host, self.port, token)

    def ws_url(self, query=""):
        return f"ws://{self.host}:{self.port}/ws/client/stream" + (f"?{query}" if query else "")

    def wait_ready(self, timeout=60, token=None):
        """Waits until GET /readyz answers 200 (PostgreSQL migrated, Redis connected)."""
        http_ = self.http(token)
        eventually(lambda: _status_or_none(http_, "/readyz") == 200, timeout,
                   "GET /readyz == 200", self.log_tail)
        return self

    def kill9(self):
        """kill -9 of the server process only: its pipelines are left to what it does."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"roadwatch-server ignored SIGTERM for {timeout} s:\n"
                                     f"{self.log_tail()}")

    def restart(self, timeout=60):
        self.stop()
        return self.start(timeout)

    def leftover_pids(self):
        """Processes (pipelines) still running with this server's data dir in their args."""
        return processes_mentioning(self.data_dir)

    def destroy(self):
        """Kills the server and any pipeline it started (by its private data dir)."""
        self.kill9()
        for pid in self.leftover_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)


def _status_or_none(http_, path):
    try:
        return http_.get(path, timeout=5).status
    except OSError:
        return None


# --------------------------------------------------------------------------------------------
# The sample clip as an upload


def zone_config():
    with open(ZONES_FILE) as f:
        return json.load(f)


def calibration():
    with open(CALIBRATION_FILE) as f:
        return json.load(f)


def sample_upload_fields(name="highway", speed_limit=None):
    """The upload form of the sample clip: its ROI (seed shape), counting line, calibration."""
    zones = zone_config()
    fields = {"name": name, "fps": "30",
              "roi": json.dumps({"roi_polygon": zones["zones"][0]["polygon"]}),
              "lines": json.dumps(zones["lines"]), "calibration": json.dumps(calibration())}
    if speed_limit is not None:
        fields["speed_limit"] = str(speed_limit)
    return fields


def upload_clip(http_, name="highway", speed_limit=None, clip=CLIP):
    """POST /api/videos/upload of a shared clip; returns the created source JSON (201)."""
    with open(rwtest.asset("media", clip), "rb") as f:
        data = f.read()
    body, ctype = encode_multipart(sample_upload_fields(name, speed_limit),
                                   [("video", clip, data, "video/mp4")])
    resp = http_.expect(201, "POST", "/api/videos/upload", "(upload the sample clip)",
                        body=body, headers={"Content-Type": ctype})
    return resp.json()


def start_stream(http_, source_id, kind="videos"):
    """POST /api/{kind}/{id}/stream/start (201); returns the new session JSON."""
    resp = http_.expect(201, "POST", f"/api/{kind}/{source_id}/stream/start", "(start)")
    return resp.json()["session"]


def wait_session_end(server, http_, source_id, timeout=240):
    """Waits until the source's latest session wants to stop and has stopped or failed;
    returns that session JSON."""
    def ended():
        resp = http_.get(f"/api/videos/{source_id}")
        if resp.status != 200:
            return None
        session = resp.json().get("session")
        if session and session["desired_state"] == "stopped" and \
                session["state"] in ("stopped", "failed"):
            return session
        return None
    return eventually(ended, timeout, f"the session of source {source_id} ends",
                      server.log_tail)


# --------------------------------------------------------------------------------------------
# WebSocket clients (python3-websockets on one asyncio loop in a background thread)


def parse_frame_message(data):
    """A binary frame message: 4-byte big-endian header length, JSON header, JPEG."""
    if len(data) < 4:
        raise AssertionError(f"binary message of {len(data)} bytes")
    (n,) = struct.unpack(">I", data[:4])
    if n > len(data) - 4:
        raise AssertionError(f"header length {n} beyond a {len(data)}-byte message")
    header = json.loads(data[4:4 + n].decode())
    return header, data[4 + n:]


class WsLoop:
    """One asyncio event loop in a daemon thread; hosts any number of WsClients."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.clients = []  # every WsClient connected on this loop
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout=60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self):
        """Drops every connection and task still open, then stops the loop."""
        async def cancel_all():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for client in self.clients:
                client.ws.transport.abort()
        try:
            self.run(cancel_all(), 30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()


class WsClient:
    """A WebSocket client that records every message it receives with its arrival time
    (text messages parsed as JSON, binary ones as bytes).

    reader: "fast" reads continuously; "never" never reads (its receive buffer is made small
    so the server's backlog fills quickly); a float reads one message per that many seconds.
    """

    def __init__(self, wsloop, url, origin=None, reader="fast", token=None, rcvbuf=None):
        self.wsloop = wsloop
        self.url = url
        self.origin = origin
        self.reader = reader
        self.token = token
        self.rcvbuf = rcvbuf
        self.ws = None
        self.messages = []  # (arrival time.time(), str | bytes)
        self.closed = None  # (code, reason) once closed
        self.cond = threading.Condition()
        self._task = None

    async def _connect(self):
        import websockets
        kwargs = {"ping_interval": None, "max_size": 8 << 20, "open_timeout": 20,
                  "close_timeout": 5}
        if self.origin:
            kwargs["origin"] = self.origin
        if self.rcvbuf:
            parsed = urllib.parse.urlparse(self.url)
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, (parsed.hostname, parsed.port))
            kwargs["sock"] = sock
            kwargs["max_queue"] = 1
            kwargs["read_limit"] = 4096
        self.ws = await websockets.connect(self.url, **kwargs)
        self.wsloop.clients.append(self)
        if self.token:  # browsers cannot set headers: the token comes in the first message
            await self.ws.send(json.dumps({"action": "auth", "token": self.token}))
        if self.reader != "never":
            self._task = asyncio.ensure_future(self._read())

    async def _read(self):
        import websockets
        try:
            while True:
                msg = await self.ws.recv()
                arrived = time.time()
                if isinstance(msg, str):  # parsed once, here, not at every check
                    msg = json.loads(msg)
                with self.cond:
                    self.messages.append((arrived, msg))
                    self.cond.notify_all()
                if isinstance(self.reader, float):
                    await asyncio.sleep(self.reader)  # a deliberately slow reader
        except websockets.ConnectionClosed as exc:
            with self.cond:
                self.closed = (exc.code, exc.reason)
                self.cond.notify_all()

    def connect(self, timeout=30):
        self.wsloop.run(self._connect(), timeout)
        return self

    def send(self, obj):
        self.wsloop.run(self.ws.send(json.dumps(obj) if not isinstance(obj, str) else obj))

    def subscribe(self, *channels, **extra):
        for channel in channels:
            self.send({"action": "subscribe", "channel": channel, **extra})

    def drain(self, timeout=10):
        """For a `never` reader: reads everything queued until the close or a quiet second."""
        async def read_all():
            import websockets
            try:
                while True:
                    msg = await asyncio.wait_for(self.ws.recv(), 1.0)
                    if isinstance(msg, str):
                        msg = json.loads(msg)
                    with self.cond:
                        self.messages.append((time.time(), msg))
            except asyncio.TimeoutError:
                pass
            except websockets.ConnectionClosed as exc:
                self.closed = (exc.code, exc.reason)
        self.wsloop.run(read_all(), timeout + 60)

    def close(self):
        if self.ws is not None:
            try:
                self.wsloop.run(self.ws.close(), 10)
            except Exception:  # already closed or the loop is gone: nothing left to release
                pass

    # -- what arrived

    def texts(self):
        with self.cond:
            return [m for _, m in self.messages if isinstance(m, dict)]

    def binaries(self):
        with self.cond:
            return [m for _, m in self.messages if isinstance(m, bytes)]

    def analytics(self, channel=None):
        return [m for m in self.texts() if m.get("type") == "analytics" and
                (channel is None or m.get("channel") in (None, channel))]

    def acks(self):
        return [m for m in self.texts() if m.get("type") == "subscription_ack"]

    def wait_for(self, predicate, timeout, what, on_fail=None):
        """Waits until predicate(self) is true."""
        deadline = time.monotonic() + timeout
        with self.cond:  # an RLock: predicate may call texts() etc.
            while True:
                value = predicate(self)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    extra = f"\n{on_fail()}" if on_fail else ""
                    raise AssertionError(f"WebSocket: not within {timeout} s: {what}; got "
                                         f"{len(self.messages)} messages, closed={self.closed}"
                                         f"{extra}")
                self.cond.wait(min(left, 0.5))

    def wait_acks(self, channels, timeout=20, on_fail=None):
        want = set(channels)
        self.wait_for(lambda c: want <= {a["channel"] for a in c.acks()
                                         if a.get("status") == "subscribed"},
                      timeout, f"subscription_ack for {sorted(want)}", on_fail)


def channels_of(source_id):
    return f"processed_frame_{source_id}", f"analytics_metrics_{source_id}"


# --------------------------------------------------------------------------------------------
# The WebSocket message formats of the contract


def _schema_validator(definition):
    """A jsonschema validator for one $defs entry of docs/schema/roadwatch-1.schema.json."""
    import jsonschema
    with open(rwtest.SCHEMA_FILE) as f:
        schema = json.load(f)
    sub = {"$schema": schema["$schema"], "$defs": schema["$defs"],
           "$ref": f"#/$defs/{definition}"}
    return jsonschema.Draft202012Validator(sub)


def check_analytics_message(msg, source_id, limit_kmh=None):
    """Fails unless `msg` is an analytics message of the contract for `source_id`; returns
    its data. Objects and events are checked against the roadwatch/1 schema; each speeding
    vehicle must be one of the frame's objects (same track, its box in pixels, its speed)."""
    if msg.get("type") != "analytics" or msg.get("channel") != f"analytics_metrics_{source_id}":
        raise AssertionError(f"not an analytics message of source {source_id}: {msg}")
    data = msg["data"]
    for key, kind in (("video_id", int), ("frame_number", int), ("timestamp", int),
                      ("pts_ns", int), ("frame_size", dict), ("stats", dict),
                      ("speeding_vehicles", list), ("objects", list), ("events", list)):
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            raise AssertionError(f"analytics data.{key} is not {kind.__name__}: {data}")
    if data["video_id"] != source_id:
        raise AssertionError(f"video_id {data['video_id']} != {source_id}")
    now_ms = time.time() * 1000
    if not now_ms - 3_600_000 < data["timestamp"] < now_ms + 60_000:
        raise AssertionError(f"timestamp {data['timestamp']} is not a recent Unix time in ms")
    w, h = data["frame_size"]["w"], data["frame_size"]["h"]
    for key in ("total_vehicles", "current_in_roi", "speeding_count", "by_class",
                "line_counts"):
        if key not in data["stats"]:
            raise AssertionError(f"analytics stats without {key}: {data['stats']}")
    objects = _schema_validator("object")
    for obj in data["objects"]:
        errors = [e.message for e in objects.iter_errors(obj)]
        if errors:
            raise AssertionError(f"object breaks roadwatch/1: {errors}: {obj}")
    events = _schema_validator("event")
    for event in data["events"]:
        errors = [e.message for e in events.iter_errors(event)]
        if errors:
            raise AssertionError(f"event breaks roadwatch/1: {errors}: {event}")
    by_track = {o.get("track_id"): o for o in data["objects"]}
    for vehicle in data["speeding_vehicles"]:
        obj = by_track.get(vehicle.get("track_id"))
        if obj is None:
            raise AssertionError(f"speeding vehicle {vehicle} is none of the objects")
        b = obj["bbox"]
        want = {"x1": b["x"] * w, "y1": b["y"] * h, "x2": (b["x"] + b["w"]) * w,
                "y2": (b["y"] + b["h"]) * h}
        if any(abs(vehicle["bbox"][k] - want[k]) > 1.0 for k in want):
            raise AssertionError(f"speeding vehicle box {vehicle['bbox']} != object's {want}")
        if vehicle.get("speed_unit") != "km/h" or \
                abs(vehicle["speed"] - obj.get("speed_kmh", -1)) > 0.01 or \
                vehicle.get("class_id") != obj["class_id"] or \
                abs(vehicle["confidence"] - obj["confidence"]) > 1e-6:
            raise AssertionError(f"speeding vehicle {vehicle} does not match object {obj}")
        if limit_kmh is not None and not vehicle["speed"] > limit_kmh:
            raise AssertionError(f"speeding vehicle at {vehicle['speed']} km/h, limit {limit_kmh}")
    return data


def check_frame_message(data, source_id, size=(640, 360)):
    """Fails unless `data` is a binary frame message of `source_id` whose JPEG decodes to
    `size`; returns its header."""
    header, jpeg = parse_frame_message(data)
    if header.get("type") != "frame" or header.get("channel") != f"processed_frame_{source_id}" \
            or header.get("video_id") != source_id:
        raise AssertionError(f"frame header of another kind or source: {header}")
    for key in ("frame_number", "pts_ns", "timestamp"):
        if not isinstance(header.get(key), int):
            raise AssertionError(f"frame header {key} is not an integer: {header}")
    if not is_jpeg(jpeg):
        raise AssertionError(f"frame {header['frame_number']}: payload is not a JPEG "
                             f"({len(jpeg)} bytes, starts {jpeg[:4]!r})")
    got = jpeg_size(jpeg)
    if got != size:
        raise AssertionError(f"frame {header['frame_number']}: JPEG decodes to {got}, not {size}")
    return header


def speeding_events_from_redis(redis_client, source_id, prefix="roadwatch"):
    """Every speeding event of `source_id` in the durable {prefix}:events stream, as
    (run_id, event) pairs."""
    out = []
    for _, fields in redis_client.xrange(f"{prefix}:events"):
        if fields.get(b"source_id") != str(source_id).encode():
            continue
        event = json.loads(fields[b"json"])
        if event.get("type") == "speeding":
            out.append((int(fields[b"run_id"]), event))
    return out


def start_stack(add_cleanup, *server_args, tokens=None, start_server=True):
    """PostgreSQL, Redis and roadwatch-server, each torn down by add_cleanup (a test's
    addCleanup or a class's addClassCleanup). Returns (pg, redis, server)."""
    if not os.path.exists(SERVER):
        raise AssertionError(f"no roadwatch-server at {SERVER} (build it, or set RW_SERVER)")
    rwtest.require_plugin()
    pg = PostgresCluster()
    add_cleanup(pg.destroy)
    pg.start()
    redis = rwtest.RedisServer().start()
    add_cleanup(redis.kill)
    server = ServerProcess(pg, redis, *server_args, tokens=tokens)
    add_cleanup(server.destroy)
    if start_server:
        server.start()
        server.wait_ready(token=next(iter(tokens)) if tokens else None)
    return pg, redis, server
