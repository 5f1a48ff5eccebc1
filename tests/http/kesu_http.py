"""Helpers for the HTTP tests: start the real `kesu serve` on a free port
with a temporary database, and talk to it with http.client (never through
a proxy, and with full control over paths, headers and bodies)."""

import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


class Failure(Exception):
    pass


def check(cond, what, got=None):
    if not cond:
        raise Failure(what + ("" if got is None else f"\n  got: {got!r}"[:2000]))


# One compiled-pack cache for every server a test run starts.
CACHE = tempfile.mkdtemp(prefix="kesu-http-cache.")
atexit.register(shutil.rmtree, CACHE, True)


# Set by a test to check every response against api/openapi.yaml.
SPEC = None


def use_openapi(src):
    """Checks every response against api/openapi.yaml from now on. With
    KESU_OPENAPI_SEEN set (by ctest), the responses seen are saved there
    at exit under the test's name, for openapi_coverage.py."""
    global SPEC
    from openapi_check import OpenAPI
    SPEC = OpenAPI(os.path.join(src, "api", "openapi.yaml"))
    out = os.environ.get("KESU_OPENAPI_SEEN")
    if out:
        name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
        atexit.register(SPEC.save_seen, os.path.join(out, name + ".json"))
    return SPEC


class Server:
    """A running `kesu serve`; stop() sends SIGTERM and returns the exit
    status."""

    def __init__(self, kesu, src, db=None, extra=()):
        self.tmp = tempfile.mkdtemp(prefix="kesu-http.")
        self.final_log = None
        self.db = db or os.path.join(self.tmp, "kesu.db")
        self.log = open(os.path.join(self.tmp, "stderr"), "w+b")
        env = dict(os.environ, KESU_CACHE_DIR=CACHE)
        self.proc = subprocess.Popen(
            [kesu, "serve", "--listen", "127.0.0.1:0", "--db", self.db,
             "--rules", os.path.join(src, "rules"), *extra],
            stdout=subprocess.PIPE, stderr=self.log, env=env)
        line = self.proc.stdout.readline().decode()
        if "listening on http://" not in line:
            raise Failure("kesu serve did not start: " + line + self.stderr())
        self.port = int(line.split("127.0.0.1:")[1].split("/")[0])

    def stderr(self):
        if self.final_log is not None:
            return self.final_log
        self.log.flush()
        with open(self.log.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def conn(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)

    def request(self, method, path, body=None, headers=None, token=None,
                timeout=10):
        """Returns (status, headers dict (lower-case), parsed JSON or raw
        text). A server that answers (413) and closes before the whole
        body is sent is fine: the answer is read all the same."""
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode()
        elif isinstance(body, str):
            body = body.encode()
        c = self.conn(timeout)
        try:
            chunked = h.get("Transfer-Encoding") == "chunked"
            try:
                c.request(method, path, body=body, headers=h,
                          encode_chunked=chunked)
            except (BrokenPipeError, ConnectionResetError):
                pass   # answered early; the answer is waiting
            resp = c.getresponse()
            raw = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            body = parse(raw)
            if SPEC is not None:
                why = SPEC.check(method, path, resp.status, body)
                check(why is None, "response conforms to api/openapi.yaml",
                      why)
            return resp.status, hdrs, body
        finally:
            c.close()

    def raw(self, data, read_timeout=5):
        """Sends raw bytes on a new socket; returns what comes back."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        try:
            s.sendall(data)
            s.settimeout(read_timeout)
            out = b""
            try:
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    out += b
            except (socket.timeout, ConnectionResetError):
                pass
            return out
        finally:
            s.close()

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Failure("kesu serve did not stop on SIGTERM")
        finally:
            self.final_log = self.stderr()
            if not os.environ.get("KESU_KEEP_TMP"):
                shutil.rmtree(self.tmp, ignore_errors=True)


def parse(raw):
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return raw.decode("utf-8", "replace")


def expect_error(resp, status, code, where=None):
    st, _, body = resp
    check(st == status, f"status {status} expected", (st, body))
    check(isinstance(body, dict) and isinstance(body.get("error"), dict),
          "a JSON error expected", body)
    e = body["error"]
    check(e.get("code") == code, f"error code {code} expected", body)
    check(isinstance(e.get("message"), str) and e["message"],
          "an error message expected", body)
    check("where" in e, "error.where expected (may be null)", body)
    if where is not None:
        check(e["where"] == where, f"error.where {where!r} expected", body)


class Runner:
    """Runs named checks in order, prints a line for each, exits 1 on the
    first failure."""

    def __init__(self):
        self.n = 0

    def run(self, name, fn, *args):
        t0 = time.time()
        try:
            fn(*args)
        except Failure as e:
            print(f"FAIL {name}: {e}", file=sys.stderr)
            raise SystemExit(1)
        self.n += 1
        print(f"ok   {name} ({(time.time() - t0) * 1000:.0f} ms)")
