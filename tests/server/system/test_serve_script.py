"""scripts/serve.sh, the README's first command: it starts Redis, PostgreSQL, the server and
the sample clip, prints the URL and a token; Ctrl-C or SIGTERM leaves nothing running; a
second run reuses the database, the token and the registered clip; a run after the script
was killed with -9 clears what that one left running.
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

import rwserver
from rwserver import eventually

SCRIPT = os.path.join(rwserver.SOURCE_DIR, "scripts", "serve.sh")
SAMPLE_NAME = "highway-640x360 (sample)"


class ServeScript:
    def __init__(self, run_dir, port):
        self.log_path = os.path.join(run_dir, "serve-test.log")
        env = dict(os.environ, RW_RUN_DIR=run_dir, RW_BUILD_DIR=rwserver.BUILD_DIR,
                   RW_SERVE_PORT=str(port), RW_SERVE_SKIP_BUILD="1")
        with open(self.log_path, "w") as log:
            # Its own process group, like a shell job: Ctrl-C reaches the whole group.
            self.proc = subprocess.Popen([SCRIPT], stdout=log, stderr=subprocess.STDOUT,
                                         env=env, start_new_session=True)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_banner(self, timeout=180):
        def banner():
            if self.proc.poll() is not None:
                raise AssertionError(f"serve.sh exited {self.proc.returncode}:\n{self.log()}")
            return re.search(r"dashboard\s+: (http://[^/\s]+)/.*\n\s+operator token : (\S+)",
                             self.log())
        match = eventually(banner, timeout, "serve.sh prints the URL and token", self.log)
        return match.group(1), match.group(2)

    def wait_exit(self, timeout=60):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"serve.sh still running {timeout} s after the signal:\n"
                                 f"{self.log()}") from exc


class ServeScriptTest(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(rwserver.SERVER):
            self.fail(f"no roadwatch-server at {rwserver.SERVER}")
        self.run_dir = tempfile.mkdtemp(prefix="rw-serve-")
        os.chmod(self.run_dir, 0o755)  # PostgreSQL runs as postgres inside it
        self.addCleanup(shutil.rmtree, self.run_dir, ignore_errors=True)
        self.addCleanup(self.kill_leftovers)
        self.port = rwserver.rwtest.free_port()

    def kill_leftovers(self):
        for pid in rwserver.processes_mentioning(self.run_dir):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def pids(self):
        """The processes of the run: serve.sh's daemons and the pipelines."""
        out = {}
        for name in ("server", "redis"):
            path = os.path.join(self.run_dir, "pids", f"{name}.pid")
            with open(path) as f:
                out[name] = int(f.read())
        with open(os.path.join(self.run_dir, "pg", "data", "postmaster.pid")) as f:
            out["postgres"] = int(f.readline())
        return out

    def check_running(self, url, token):
        host, port = url.removeprefix("http://").rsplit(":", 1)
        http = rwserver.Http(host, int(port), token)
        videos = http.expect(200, "GET", "/api/videos").json()
        items = videos["videos"]
        self.assertEqual([v["name"] for v in items], [SAMPLE_NAME], "exactly one sample clip")
        session = eventually(lambda: http.get(f"/api/videos/{items[0]['id']}").json()
                             .get("session"), 30, "the sample's session")
        self.assertEqual(session["desired_state"], "running", session)
        return http

    def check_nothing_left(self, pids, script):
        for name, pid in pids.items():
            eventually(lambda: not rwserver.pid_alive(pid), 30, f"{name} (pid {pid}) exits",
                       script.log)
        left = rwserver.processes_mentioning(self.run_dir)
        self.assertEqual(left, [], f"still running after serve.sh stopped: {left}\n"
                         f"{script.log()}")
        self.assertFalse(os.path.exists(os.path.join(self.run_dir, "pids", "serve.pid")))

    def test_start_stop_rerun(self):
        # 1: Ctrl-C (SIGINT to the whole process group).
        first = ServeScript(self.run_dir, self.port)
        url, token = first.wait_banner()
        self.assertEqual(url, f"http://127.0.0.1:{self.port}")
        self.check_running(url, token)
        pids = self.pids()
        os.killpg(first.proc.pid, signal.SIGINT)
        first.wait_exit()
        self.check_nothing_left(pids, first)

        # 2: a second run reuses run/: same token, the clip not registered twice. Then
        # kill -9 of the script alone leaves its daemons running...
        second = ServeScript(self.run_dir, self.port)
        url2, token2 = second.wait_banner()
        self.assertEqual(token2, token, "the token is kept across runs")
        self.check_running(url2, token2)
        left_behind = self.pids()
        second.proc.kill()
        second.proc.wait()
        self.assertTrue(all(rwserver.pid_alive(p) for p in left_behind.values()))

        # 3: ...which the next run clears before starting; SIGTERM to the script alone.
        third = ServeScript(self.run_dir, self.port)
        url3, token3 = third.wait_banner()
        self.assertFalse(any(rwserver.pid_alive(p) for p in left_behind.values()),
                         f"leftovers of the killed run: {left_behind}")
        self.check_running(url3, token3)
        pids = self.pids()
        third.proc.terminate()
        third.wait_exit()
        self.check_nothing_left(pids, third)


if __name__ == "__main__":
    unittest.main()
