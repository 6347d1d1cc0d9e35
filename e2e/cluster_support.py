"""Helpers for scale-out tests: PostgreSQL servers and databases, several `medledger serve` nodes
sharing one ledger, a signed write load spread over them, the check that every acknowledged entry
is in the log where it was promised, and a small load balancer for browser tests.

A ledger on PostgreSQL is one data directory (log key, content master key, web secret, encrypted
content) that every node mounts, plus one database URL. The database's password reaches every
command through `MEDLEDGER_PG_PASSWORD`, never on a command line.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from medledger_client import ROOT, Account, Node, binary, tile_index, unbundle

CLUSTER_SCRIPT = ROOT / "scripts" / "postgres-cluster"


def psql_path() -> str:
    found = shutil.which("psql")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))
    if not candidates:
        raise RuntimeError("psql is not installed (Debian package postgresql); run scripts/system-packages.sh")
    return str(candidates[-1])


def with_database(url: str, name: str) -> str:
    """`url` naming database `name` instead of its own, keeping user, host, port and options."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


class PostgresCluster:
    """A throwaway PostgreSQL cluster of `scripts/postgres-cluster`: started, halted (a database
    outage keeping the data), resumed on the same port, stopped and removed. Its directory is a new
    one under the system's temporary directory, not pytest's: as root the server runs as the
    `postgres` user, who cannot enter pytest's private directories."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="medledger-pg-"))
        self.url = ""
        self.password = ""

    def _script(self, command: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(CLUSTER_SCRIPT), command, str(self.directory)], capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"postgres-cluster {command} failed ({done.returncode}): {done.stderr}{self.server_log()}")
        return done

    def start(self) -> "PostgresCluster":
        self._script("start")
        self.url = (self.directory / "url").read_text().strip()
        self.password = (self.directory / "password").read_text()
        return self

    def halt(self) -> None:
        self._script("halt")

    def resume(self) -> None:
        self._script("resume")

    def stop(self) -> None:
        self._script("stop")

    def server_log(self) -> str:
        log = self.directory / "server.log"
        return "\n--- PostgreSQL server log (tail) ---\n" + tail(log) if log.exists() else ""


class PostgresServer:
    """Where a test module's databases live: the run's cluster when `MEDLEDGER_TEST_POSTGRES_URL`
    names one (with `MEDLEDGER_TEST_POSTGRES_PASSWORD`), else a cluster of the module's own."""

    def __init__(self, url: str, password: str, own: PostgresCluster | None = None):
        self.url = url
        self.password = password
        self.own = own

    @classmethod
    @contextlib.contextmanager
    def for_module(cls) -> Iterator["PostgresServer"]:
        given = os.environ.get("MEDLEDGER_TEST_POSTGRES_URL", "")
        if given:
            yield cls(given, os.environ.get("MEDLEDGER_TEST_POSTGRES_PASSWORD", ""))
            return
        cluster = PostgresCluster().start()
        try:
            yield cls(cluster.url, cluster.password, own=cluster)
        finally:
            cluster.stop()

    def fresh_database(self, prefix: str = "scale") -> str:
        """The URL of a new, empty database on this server."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        return create_database(self.url, self.password, name)


def create_database(server_url: str, password: str, name: str) -> str:
    parts = urllib.parse.urlsplit(server_url)
    env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="10")
    done = subprocess.run(
        [psql_path(), "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "medledger",
         "-d", "postgres", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{name}"'],
        capture_output=True, text=True, env=env, timeout=60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"CREATE DATABASE {name} failed: {done.stderr}")
    return with_database(server_url, name)


def database_activity(url: str, password: str) -> str:
    """What the ledger's database is doing (`pg_stat_activity`, with the locks each session waits
    for): shows, for example, a claim waiting on the lease row held by a paused sequencer."""
    parts = urllib.parse.urlsplit(url)
    query = ("SELECT pid, state, wait_event_type, wait_event, date_trunc('milliseconds', now() - xact_start) AS in_transaction, "
             "pg_blocking_pids(pid) AS blocked_by, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query "
             "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY pid")
    env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="3")
    try:
        done = subprocess.run([psql_path(), "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
                               "-U", parts.username or "medledger", "-d", parts.path.lstrip("/"), "-c", query],
                              capture_output=True, text=True, env=env, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"(pg_stat_activity unavailable: {error})"
    return done.stdout if done.returncode == 0 else f"(pg_stat_activity unavailable: {done.stderr.strip()})"


def tail(path: Path, lines: int = 40) -> str:
    """The last `lines` distinct lines of a log, a run of lines that differ only in their leading
    timestamp shown once with its count (a reconnecting pool repeats itself)."""
    try:
        text = Path(path).read_text(errors="replace").splitlines()
    except OSError as error:
        return f"(cannot read {path}: {error})"
    collapsed: list[list] = []
    for line in text:
        key = re.sub(r"^\S*\d{2}:\d{2}:\d{2}\S*\s*", "", line)
        key = re.sub(r"(connection_id=|\[)\d+", r"\1#", key)
        if collapsed and collapsed[-1][0] == key:
            collapsed[-1][2] += 1
        else:
            collapsed.append([key, line, 1])
    return "\n".join(line + (f"  (x{count})" if count > 1 else "") for _, line, count in collapsed[-lines:])


def cli(password: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """`medledger ARGS` with the database password in the environment."""
    env = dict(os.environ, MEDLEDGER_PG_PASSWORD=password)
    return subprocess.run([binary(), *args], capture_output=True, text=True, timeout=timeout, env=env)


def http_json(url: str, body: bytes | None = None, timeout: float = 10,
              headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """One GET (no body) or POST; the status and the JSON answer ({} when it is not JSON)."""
    request = urllib.request.Request(url, data=body, method="GET" if body is None else "POST",
                                     headers=headers or {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, {"unparsed": raw[:200].decode(errors="replace")}


class ClusterNode(Node):
    """One `medledger serve` of a shared ledger: `--store URL --node-name NAME --internal-url`,
    its output in a log file the tests print when they fail."""

    def __init__(self, data: Path, store_url: str, password: str, name: str, log_dir: Path,
                 extra_args: tuple[str, ...] = ()):
        super().__init__(data, extra_args=extra_args)
        self.store_url = store_url
        self.password = password
        self.name = name
        self.log_path = Path(log_dir) / f"{name}.log"
        self.starts = 0

    def start(self, timeout: float = 60) -> None:
        self.starts += 1
        args = [binary(), "serve", "--data", str(self.data), "--store", self.store_url, "--port", str(self.port),
                "--node-name", self.name, "--internal-url", self.url, "--log-level", "info", *self.extra_args]
        env = dict(os.environ, MEDLEDGER_PG_PASSWORD=self.password)
        log = open(self.log_path, "ab")
        log.write(f"\n===== start {self.starts} of {self.name} at {time.strftime('%H:%M:%S')} =====\n".encode())
        log.flush()
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}) while starting:\n{tail(self.log_path)}")
            if self.cluster_view(timeout=2) is not None:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start within {timeout} s:\n{tail(self.log_path)}")

    def cluster_view(self, timeout: float = 2) -> dict | None:
        """`GET /v1/cluster`, or None when the node does not answer it."""
        try:
            status, answer = http_json(self.url + "/v1/cluster", timeout=timeout)
        except OSError:
            return None
        return answer if status == 200 else None

    def role(self, timeout: float = 2) -> str | None:
        view = self.cluster_view(timeout)
        return view.get("role") if view else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pause(self) -> None:
        assert self.proc
        self.proc.send_signal(signal.SIGSTOP)

    def unpause(self) -> None:
        assert self.proc
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a paused process cannot act on SIGTERM
        super().stop()


class LedgerCluster:
    """One ledger on PostgreSQL served by `count` nodes named n1, n2, …, all on one data directory
    (`root/shared` unless `data` names one, such as a migrated embedded ledger's)."""

    def __init__(self, root: Path, store_url: str, password: str, count: int,
                 extra_args: tuple[str, ...] = (), origin: str | None = None, data: Path | None = None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.data = Path(data) if data else self.root / "shared"
        self.store_url = store_url
        self.password = password
        self.origin_name = origin
        self.nodes = [ClusterNode(self.data, store_url, password, f"n{i + 1}", self.root, extra_args)
                      for i in range(count)]

    def init(self) -> None:
        args = ["init", "--data", str(self.data), "--store", self.store_url]
        if self.origin_name:
            args += ["--origin", self.origin_name]
        made = cli(self.password, *args)
        assert made.returncode == 0, f"init failed: {made.stderr}"

    def start(self) -> None:
        for node in self.nodes:
            node.start()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def node(self, name: str) -> ClusterNode:
        return next(n for n in self.nodes if n.name == name)

    def live(self) -> list[ClusterNode]:
        return [n for n in self.nodes if n.alive]

    def views(self) -> dict[str, dict | None]:
        return {n.name: n.cluster_view() for n in self.nodes if n.alive}

    def sequencer(self, timeout: float = 15, among: list[ClusterNode] | None = None) -> ClusterNode:
        """The node that says it sequences (waiting up to `timeout` s for one)."""
        deadline = time.time() + timeout
        while True:
            for node in among or self.live():
                if node.role(timeout=1) == "sequencer":
                    return node
            if time.time() > deadline:
                raise AssertionError(f"no node sequences after {timeout} s: {self.views()}")
            time.sleep(0.05)

    def wait_for_role(self, node: ClusterNode, role: str, timeout: float) -> float:
        """Seconds until `node` reports `role`; fails after `timeout`."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if node.role(timeout=1) == role:
                return time.monotonic() - start
            time.sleep(0.05)
        raise AssertionError(f"{node.name} did not report {role} within {timeout} s: {node.cluster_view()}")

    def verify(self) -> subprocess.CompletedProcess:
        return cli(self.password, "verify", "--data", str(self.data), "--store", self.store_url, "--json")

    def diagnostics(self) -> str:
        parts = [f"--- the ledger's database sessions ---\n{database_activity(self.store_url, self.password)}"]
        for node in self.nodes:
            state = "running" if node.alive else f"exited {node.proc.returncode if node.proc else '-'}"
            parts.append(f"--- {node.name} ({state}, port {node.port}) log tail ---\n{tail(node.log_path)}")
        return "\n".join(parts)

    @contextlib.contextmanager
    def diagnosed(self, extra: Callable[[], str] | None = None) -> Iterator[None]:
        """Re-raises a failure with every node's log tail (and `extra()`), so a red run says why."""
        try:
            yield
        except BaseException as failure:
            if isinstance(failure, (KeyboardInterrupt, SystemExit)):
                raise
            more = extra() if extra else ""
            raise AssertionError(f"{failure}\n\n{self.diagnostics()}{more}") from failure


@dataclass
class Acknowledgement:
    index: int
    envelope: bytes
    node: str
    at: float
    sent: float


@dataclass
class WriteLoad:
    """Threads submitting `patient.register` envelopes, each from a fresh key (an action any key
    may sign, once per key, so no rate limit or replay rule ever stands in the way), to the node
    `pick()` names for each submission. It records every acknowledgement (a 2xx with an index) and
    counts every other answer by kind."""

    origin: str
    pick: Callable[[int], ClusterNode]
    threads: int = 4
    timeout: float = 10
    acknowledged: dict[int, Acknowledgement] = field(default_factory=dict)
    duplicates: list[tuple[Acknowledgement, Acknowledgement]] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    surprises: list[str] = field(default_factory=list)
    slow: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._counter = 0
        self._workers: list[threading.Thread] = []

    def _next(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def submit_once(self, node: ClusterNode) -> tuple[int | None, dict]:
        """One fresh `patient.register` to `node`; records what came back. None: no answer."""
        account = Account.new()
        envelope, _ = account.envelope("patient.register", {}, origin=self.origin)
        sent = time.monotonic()
        try:
            status, answer = http_json(node.url + "/v1/transactions", envelope, timeout=self.timeout)
        except OSError as error:
            with self._lock:
                self.outcomes["no answer"] += 1
                took = time.monotonic() - sent
                if took > 2:
                    self.slow.append(f"{node.name}: no answer after {took:.1f} s ({error})")
            return None, {"error": str(error)}
        with self._lock:
            took = time.monotonic() - sent
            if took > 2:
                self.slow.append(f"{node.name}: {status} after {took:.1f} s")
            if 200 <= status < 300:
                index = answer.get("index")
                if not isinstance(index, int):
                    self.surprises.append(f"{node.name}: {status} without an index: {answer}")
                    self.outcomes["2xx without index"] += 1
                else:
                    self.outcomes["2xx"] += 1
                    ack = Acknowledgement(index, envelope, node.name, time.monotonic(), sent)
                    earlier = self.acknowledged.get(index)
                    if earlier is not None:
                        self.duplicates.append((earlier, ack))
                    else:
                        self.acknowledged[index] = ack
            elif status >= 500:
                self.outcomes[f"{status}"] += 1
                if not isinstance(answer.get("error"), dict):
                    self.surprises.append(f"{node.name}: {status} without a JSON error: {answer}")
            else:
                self.outcomes[f"{status}"] += 1
                self.surprises.append(f"{node.name}: {status} {answer}")
        return status, answer

    def _run(self) -> None:
        while not self._stop.is_set():
            node = self.pick(self._next())
            status, _ = self.submit_once(node)
            if status is None or status >= 500:
                time.sleep(0.05)  # a dead node or no sequencer: a client's back-off, not a busy loop

    def start(self) -> "WriteLoad":
        self._workers = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=self.timeout + 30)

    def acks_after(self, moment: float) -> list[Acknowledgement]:
        with self._lock:
            return sorted((a for a in self.acknowledged.values() if a.at > moment), key=lambda a: a.at)

    def summary(self) -> str:
        return (f"{len(self.acknowledged)} acknowledged; outcomes {dict(self.outcomes)}; surprises {self.surprises[:5]}; "
                f"{len(self.slow)} answers slower than 2 s {self.slow[:8]}")


def round_robin(nodes: Callable[[], list[ClusterNode]]) -> Callable[[int], ClusterNode]:
    def pick(n: int) -> ClusterNode:
        choice = nodes()
        return choice[n % len(choice)]
    return pick


def latest_size(node: Node) -> int:
    return int(node.get("/checkpoint/latest").decode().split("\n")[1])


def wait_for_size(node: Node, size: int, timeout: float = 15) -> int:
    """Waits until `node`'s latest checkpoint covers `size` entries; returns its size."""
    deadline = time.time() + timeout
    seen = -1
    while time.time() < deadline:
        try:
            seen = latest_size(node)
        except OSError:
            seen = -1
        if seen >= size:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"{getattr(node, 'name', node.url)} shows {seen} entries, not {size}, after {timeout} s")


def entries_at(node: Node, indices: set[int], size: int) -> dict[int, bytes]:
    """The entries at `indices` of the tree of `size` entries, read from the entry bundles (one
    request per tile)."""
    found: dict[int, bytes] = {}
    for tile in sorted({i // 256 for i in indices}):
        width = min(256, size - tile * 256)
        path = f"/tile/entries/{tile_index(tile)}" + ("" if width == 256 else f".p/{width}")
        bundle = unbundle(node.get(path))
        for index in indices:
            if index // 256 == tile:
                found[index] = bundle[index % 256]
    return found


def check_acknowledged(node: Node, acknowledged: dict[int, Acknowledgement]) -> int:
    """Every acknowledged envelope is, byte for byte, the entry at the index it was promised.
    Returns the tree size it checked against."""
    if not acknowledged:
        return 0
    size = wait_for_size(node, max(acknowledged) + 1)
    stored = entries_at(node, set(acknowledged), size)
    wrong = [f"index {i} (acknowledged by {a.node})" for i, a in sorted(acknowledged.items()) if stored.get(i) != a.envelope]
    assert not wrong, f"{len(wrong)} acknowledged entries are not in the ledger where promised: {wrong[:10]}"
    return size


class LoadBalancer:
    """A small HTTP reverse proxy on loopback that sends every request to one backend node, which
    the test switches: the browser keeps one origin (its cookie, its key in IndexedDB) while the
    node behind it changes, as behind a production load balancer. The Host header is passed on."""

    HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
                  "transfer-encoding", "upgrade"}

    def __init__(self, backend: Node):
        self.backend = backend
        self.served: Counter = Counter()
        balancer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _forward(self) -> None:
                target = balancer.backend
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in balancer.HOP_BY_HOP}
                connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    payload = response.read()
                except OSError as error:
                    self.send_error(502, f"backend {target.port} failed: {error}")
                    return
                finally:
                    connection.close()
                with balancer._lock:
                    balancer.served[getattr(target, "name", str(target.port))] += 1
                self.send_response(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in balancer.HOP_BY_HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward

        self._lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LoadBalancer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
