"""Several `medledger serve` nodes on one PostgreSQL ledger, under faults, with real processes.

1. The sequencer is `kill -9`ed ten times under a signed write load spread over three nodes:
   another node sequences within 5 s each time (the takeover times are printed and written to
   e2e/artifacts/scale-out.json for docs/BENCHMARKS.md), every acknowledged envelope is the
   entry at the index it was promised, no index is promised twice, and the ledger verifies.
2. A paused sequencer (SIGSTOP) loses its lease; when it runs again (SIGCONT) it is a follower and
   nothing it answered 2xx is missing from the log: its appends were fenced.
3. PostgreSQL halted under load: writes answer 503 within seconds, no node crashes, and after the
   database is back the same processes write again and nothing acknowledged is lost.
4. In Chromium, a user signed in through node A keeps working when the load balancer sends them to
   node B (sessions live in PostgreSQL), and node B's own URL serves them signed in.
5. `medledger migrate` copies an embedded ledger into an empty database: both verify, the latest
   checkpoint is the same, and a node on the migrated store signs a migrated user in and shows a
   record.

The database server is the run's (`MEDLEDGER_TEST_POSTGRES_URL`, a fresh database per ledger) or
one this module starts; the PostgreSQL-restart test always starts a cluster of its own.
"""

from __future__ import annotations

import json
import re
import statistics
import threading
import time
from pathlib import Path

import pytest

from browser_support import WEB_ROOT, WebNode
from cluster_support import (
    LedgerCluster,
    LoadBalancer,
    PostgresCluster,
    PostgresServer,
    WriteLoad,
    check_acknowledged,
    cli,
    http_json,
    latest_size,
    round_robin,
)
from medledger_client import Account

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LEASE_TTL_MS = 3000
TAKEOVER_LIMIT = 5.0      # seconds from kill -9 until another node says it sequences
KILLS = 10
OUTAGE_ANSWER_LIMIT = 6.0  # seconds a write may take to be refused while PostgreSQL is down
OUTAGE_PATIENCE = 30.0     # how long a probe waits, so a slow refusal is measured rather than cut off
SIGN_IN_TIMEOUT = 60_000   # PBKDF2 in the page, then scrypt on the node
SIGNING_TIMEOUT = 30_000
PASSWORD = "scale-out-password-2026"


@pytest.fixture(scope="module")
def postgres():
    with PostgresServer.for_module() as server:
        yield server


@pytest.fixture(scope="module")
def measurements():
    """What the module measured, written for the benchmarks document when it ends."""
    found: dict = {}
    yield found
    if found:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "scale-out.json").write_text(json.dumps(found, indent=2))


def make_cluster(root: Path, store_url: str, password: str, count: int, *more: str) -> LedgerCluster:
    cluster = LedgerCluster(root, store_url, password, count, extra_args=("--lease-ttl-ms", str(LEASE_TTL_MS), *more))
    cluster.init()
    return cluster


@pytest.fixture
def three_nodes(postgres, tmp_path):
    cluster = make_cluster(tmp_path / "ledger", postgres.fresh_database(), postgres.password, 3)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def assert_verifies(cluster: LedgerCluster) -> dict:
    verified = cluster.verify()
    assert verified.returncode == 0, f"medledger verify failed: {verified.stdout}{verified.stderr}"
    report = json.loads(verified.stdout.strip().splitlines()[-1])
    assert report["ok"] is True, report
    return report


def seconds(values: list[float]) -> dict:
    return {"each": [round(v, 3) for v in values], "median": round(statistics.median(values), 3),
            "max": round(max(values), 3)}


# ---------------------------------------------------------------------------------------------
# 1. kill -9 the sequencer, ten times


def test_killing_the_sequencer_ten_times_under_load_loses_nothing(three_nodes, measurements):
    cluster = three_nodes
    origin = cluster.nodes[0].origin
    load = WriteLoad(origin, round_robin(lambda: cluster.nodes), threads=6)
    takeovers: list[float] = []
    resumed: list[float] = []
    epochs: list[int] = []
    kills: list[tuple[float, float]] = []
    with cluster.diagnosed(lambda: f"\nload: {load.summary()}"):
        # Exactly one sequencer, and every node names it (followers learn it at their next tick).
        deadline = time.monotonic() + 5
        while True:
            views = cluster.views()
            sequencers = [name for name, view in views.items() if view and view["role"] == "sequencer"]
            agreed = len(sequencers) == 1 and all(view and view.get("sequencer") == sequencers[0] for view in views.values())
            if agreed or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert agreed, f"the nodes do not agree on one sequencer: {views}"

        load.start()
        try:
            for round_number in range(KILLS):
                time.sleep(1.0)
                victim = cluster.sequencer(timeout=10)
                others = [n for n in cluster.nodes if n is not victim]
                killed_at = time.monotonic()
                victim.kill9()
                successor = cluster.sequencer(timeout=TAKEOVER_LIMIT + 10, among=others)
                takeover = time.monotonic() - killed_at
                takeovers.append(takeover)
                epoch = successor.cluster_view()["epoch"]
                assert not epochs or epoch > epochs[-1], f"the epoch did not grow at a takeover: {epochs} then {epoch}"
                epochs.append(epoch)
                kills.append((killed_at, killed_at + takeover))
                print(f"kill {round_number + 1}: {victim.name} killed, {successor.name} sequences after "
                      f"{takeover:.2f} s (epoch {epoch})")
                victim.start()
                cluster.wait_for_role(victim, "follower", 15)
            last_kill = time.monotonic()
            time.sleep(1.5)
        finally:
            load.stop()

        # Writes resumed: the first acknowledgement received after the new sequencer said so (any
        # earlier one was committed by the killed node before it died), counted from the kill.
        for number, (killed_at, took_over_at) in enumerate(kills):
            until = kills[number + 1][0] if number + 1 < len(kills) else float("inf")
            after = [a.at for a in load.acknowledged.values() if took_over_at < a.at < until]
            if after:
                resumed.append(min(after) - killed_at)

        print(f"takeover seconds: {[round(t, 2) for t in takeovers]}; writes acknowledged again after "
              f"{[round(t, 2) for t in resumed]} s; load: {load.summary()}")
        measurements["sequencer kill -9"] = {
            "nodes": 3, "leaseTtlMs": LEASE_TTL_MS, "kills": KILLS, "takeoverSeconds": seconds(takeovers),
            "firstAcknowledgementSeconds": seconds(resumed) if resumed else None,
            "acknowledged": len(load.acknowledged), "outcomes": dict(load.outcomes),
        }
        slow = [round(t, 2) for t in takeovers if t > TAKEOVER_LIMIT]
        assert not slow, f"takeovers slower than {TAKEOVER_LIMIT} s: {slow} (all: {takeovers})"
        assert not load.duplicates, f"indices acknowledged twice: {[(a.index, a.node, b.node) for a, b in load.duplicates[:5]]}"
        assert not load.surprises, f"unexpected answers: {load.surprises[:10]}"
        assert len(load.acknowledged) > 200, f"the load was too light to mean anything: {load.summary()}"
        assert load.acks_after(last_kill), "no write was acknowledged after the last takeover"
        assert {a.node for a in load.acknowledged.values()} == {n.name for n in cluster.nodes}, \
            "every node should have acknowledged writes (followers forward them)"
        check_acknowledged(cluster.nodes[0], load.acknowledged)
        report = assert_verifies(cluster)
        assert report["entries"] >= max(load.acknowledged) + 1


# ---------------------------------------------------------------------------------------------
# 2. SIGSTOP the sequencer


def test_a_paused_sequencer_is_fenced_and_returns_as_a_follower(three_nodes, measurements):
    cluster = three_nodes
    origin = cluster.nodes[0].origin
    paused = cluster.sequencer()
    others = [n for n in cluster.nodes if n is not paused]
    load = WriteLoad(origin, round_robin(lambda: others), threads=6)
    # Submissions to the node that will be paused: some are queued or mid-block when it stops;
    # whatever it answers once it runs again must be true.
    to_paused = WriteLoad(origin, lambda _: paused, threads=2, timeout=40)
    with cluster.diagnosed(lambda: f"\nload: {load.summary()}\nto the paused node: {to_paused.summary()}"):
        load.start()
        to_paused.start()
        try:
            time.sleep(1.0)
            paused_at = time.monotonic()
            paused.pause()
            successor = cluster.sequencer(timeout=TAKEOVER_LIMIT + 10, among=others)
            took_over_at = time.monotonic()
            takeover = took_over_at - paused_at
            print(f"{paused.name} paused; {successor.name} sequences after {takeover:.2f} s")
            # Writes forwarded to the paused node before the takeover may hang until their
            # timeout; new ones go to the new sequencer.
            deadline = time.monotonic() + 15
            while len(load.acks_after(took_over_at)) < 20 and time.monotonic() < deadline:
                time.sleep(0.1)
            during = len(load.acks_after(took_over_at))
            assert during >= 20, f"only {during} writes went through the other nodes while the sequencer was paused"
            paused.unpause()
            back = cluster.wait_for_role(paused, "follower", 10)
            view = paused.cluster_view()
            assert view and view.get("sequencer") == successor.name, view
            # Writes sent to the resumed node are forwarded to the new sequencer.
            forwarded = None
            deadline = time.time() + 10
            while time.time() < deadline:
                status, _ = to_paused.submit_once(paused)
                if status is not None and 200 <= status < 300:
                    forwarded = status
                    break
                time.sleep(0.2)
            assert forwarded, f"no write through {paused.name} succeeded after it resumed: {to_paused.summary()}"
            time.sleep(0.5)
        finally:
            load.stop()
            to_paused.stop()

        measurements["sequencer SIGSTOP"] = {
            "takeoverSeconds": round(takeover, 3), "followerAfterResumeSeconds": round(back, 3),
            "acknowledgedByOthers": len(load.acknowledged), "toPausedNode": dict(to_paused.outcomes),
        }
        print(f"others: {load.summary()}; paused node: {to_paused.summary()}")
        assert not load.surprises and not to_paused.surprises, load.surprises[:5] + to_paused.surprises[:5]
        everything = dict(load.acknowledged)
        for index, ack in to_paused.acknowledged.items():
            assert index not in everything, f"index {index} acknowledged by {ack.node} and {everything[index].node}"
            everything[index] = ack
        assert not load.duplicates and not to_paused.duplicates
        check_acknowledged(successor, everything)
        assert_verifies(cluster)


# ---------------------------------------------------------------------------------------------
# 3. PostgreSQL halted and resumed under load


def test_a_postgresql_restart_under_load_costs_availability_not_data(tmp_path, measurements):
    database = PostgresCluster().start()
    cluster = make_cluster(tmp_path / "ledger", database.url, database.password, 2)
    load = None
    try:
        cluster.start()
        origin = cluster.nodes[0].origin
        load = WriteLoad(origin, round_robin(lambda: cluster.nodes), threads=3)
        processes = {n.name: n.proc.pid for n in cluster.nodes}
        with cluster.diagnosed(lambda: f"\nload: {load.summary()}{database.server_log()}"):
            load.start()
            try:
                time.sleep(1.5)
                database.halt()
                halted_at = time.monotonic()
                # Every node is asked at once for a write and for its cluster view; each answer's
                # status and time are kept, and judged after the database is back, so one run
                # tells both how the outage was handled and whether the nodes recovered.
                probes = {n.name: outage_probe(n, origin) for n in cluster.nodes}
                for probe in probes.values():
                    probe.join()
                time.sleep(max(0.0, LEASE_TTL_MS / 1000 + 1 - (time.monotonic() - halted_at)))
                # Only a write asked for after the database was down counts: one committed just
                # before the halt may be answered late (the node that handed it on waits for the
                # database to show it the entry before answering).
                acknowledged_while_down = [a for a in load.acks_after(halted_at) if a.sent >= halted_at]
                database.resume()
                resumed_at = time.monotonic()
                recovered: dict[str, float | None] = {}
                for node in cluster.nodes:
                    deadline = time.time() + 30
                    recovered[node.name] = None
                    while time.time() < deadline:
                        status, _ = load.submit_once(node)
                        if status is not None and 200 <= status < 300:
                            recovered[node.name] = round(time.monotonic() - resumed_at, 3)
                            break
                        time.sleep(0.2)
                time.sleep(1.5)
            finally:
                load.stop()

            outage = {name: probe.seen for name, probe in probes.items()}
            print(f"while PostgreSQL was down: {outage}; writing again after {recovered} s; {load.summary()}")
            measurements["postgresql restart"] = {
                "whileDown": outage, "writingAgainSeconds": recovered, "outcomes": dict(load.outcomes),
            }
            problems = [problem for probe in probes.values() for problem in probe.problems()]
            problems += [f"{name} did not write again within 30 s of the restart"
                         for name, seconds in recovered.items() if seconds is None]
            assert not acknowledged_while_down, \
                f"{len(acknowledged_while_down)} writes acknowledged while PostgreSQL was down"
            for node in cluster.nodes:
                assert node.alive and node.proc.pid == processes[node.name], f"{node.name} exited or was restarted"
            assert not load.duplicates, "an index was acknowledged twice"
            assert not load.surprises, load.surprises[:10]
            check_acknowledged(cluster.nodes[0], load.acknowledged)
            assert_verifies(cluster)
            assert not problems, "; ".join(problems)
    finally:
        cluster.stop()
        database.stop()


class OutageProbe(threading.Thread):
    """Asks one node for a write and for `/v1/cluster` while PostgreSQL is down, timing both."""

    def __init__(self, node, origin: str):
        super().__init__(daemon=True)
        self.node = node
        self.origin = origin
        self.seen: dict[str, object] = {}

    def ask(self, what: str, path: str, body: bytes | None) -> None:
        asked = time.monotonic()
        try:
            status, answer = http_json(self.node.url + path, body, timeout=OUTAGE_PATIENCE)
        except OSError as error:
            self.seen[what] = {"answer": f"none ({error})", "seconds": round(time.monotonic() - asked, 2)}
            return
        self.seen[what] = {"status": status, "json error": isinstance(answer.get("error"), dict),
                           "seconds": round(time.monotonic() - asked, 2)}

    def run(self) -> None:
        envelope, _ = Account.new().envelope("patient.register", {}, origin=self.origin)
        self.ask("write", "/v1/transactions", envelope)
        self.ask("cluster view", "/v1/cluster", None)

    def problems(self) -> list[str]:
        found = []
        write, view = self.seen.get("write", {}), self.seen.get("cluster view", {})
        if write.get("status") != 503 or not write.get("json error") or write.get("seconds", 99) > OUTAGE_ANSWER_LIMIT:
            found.append(f"{self.node.name}: a write while PostgreSQL was down got {write}, not a 503 JSON error "
                         f"within {OUTAGE_ANSWER_LIMIT} s")
        if view.get("status") not in (200, 503) or view.get("seconds", 99) > OUTAGE_ANSWER_LIMIT:
            found.append(f"{self.node.name}: /v1/cluster while PostgreSQL was down got {view}")
        return found


def outage_probe(node, origin: str) -> OutageProbe:
    probe = OutageProbe(node, origin)
    probe.start()
    return probe


# ---------------------------------------------------------------------------------------------
# 4. The browser moves between nodes


def test_a_signed_in_user_moves_between_nodes(postgres, tmp_path, chromium):
    from playwright.sync_api import expect

    cluster = make_cluster(tmp_path / "ledger", postgres.fresh_database(), postgres.password, 2,
                           "--web-root", str(WEB_ROOT))
    a, b = cluster.nodes
    try:
        cluster.start()
        with cluster.diagnosed(), LoadBalancer(a) as balancer:
            # Sign up through node A (in a browser context of its own), then sign in afresh.
            signup = chromium.new_context()
            signup.set_default_timeout(20_000)
            first = signup.new_page()
            first.goto(balancer.url + "/signup?role=patient")
            first.fill("#username", "scale.patient")
            first.fill("#password", PASSWORD)
            first.fill("#password-confirm", PASSWORD)
            first.click("#signup-button")
            first.wait_for_url(re.compile(r"/patient$"), timeout=SIGN_IN_TIMEOUT)
            signup.close()

            context = chromium.new_context()
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            page.goto(balancer.url + "/login")
            page.fill("#username", "scale.patient")
            page.fill("#password", PASSWORD)
            page.click("#login-button")
            page.wait_for_url(lambda url: "/login" not in url, timeout=SIGN_IN_TIMEOUT)
            address = page.locator('meta[name="ml-address"]').get_attribute("content")
            assert address and address.startswith("ml"), address
            assert balancer.served["n2"] == 0

            # The load balancer now sends everything to node B: pages and a signed write.
            balancer.backend = b
            page.goto(balancer.url + "/patient/records")
            assert "/login" not in page.url, f"node B did not know the session: {page.url}"
            assert page.locator('meta[name="ml-address"]').get_attribute("content") == address
            expect(page.locator("#missing-key-banner")).to_have_count(0)
            text = "Blood pressure diary, written through the second node."
            form = page.locator("#add-record-form")
            form.locator("#add-title-input").fill("Diary")
            form.locator("#add-text").fill(text)
            with page.expect_navigation(timeout=SIGNING_TIMEOUT):
                form.locator('button[type="submit"]').first.click()
            match = re.search(r"/records/(doc-[0-9A-Za-z_-]+)$", page.url)
            assert match, f"the signed write through node B did not lead to its record: {page.url}; " \
                          f"status {form.locator('[role=status]').all_text_contents() if form.count() else ''}"
            record = match.group(1)
            expect(page.locator("#record-content")).to_contain_text(text)
            assert balancer.served["n2"] > 0

            # Node B's own URL: the cookie is sent to every port of the host, and B knows it.
            direct = context.new_page()
            direct.goto(b.url + "/patient")
            assert "/login" not in direct.url, direct.url
            assert direct.locator('meta[name="ml-address"]').get_attribute("content") == address

            # Back on node A, the record written through B is there, content and all.
            balancer.backend = a
            page.goto(balancer.url + f"/records/{record}")
            expect(page.locator("#record-content")).to_contain_text(text)
            context.close()
            assert_verifies(cluster)
    finally:
        cluster.stop()


# ---------------------------------------------------------------------------------------------
# 5. migrate an embedded ledger


def test_an_embedded_ledger_migrates_to_postgresql(postgres, tmp_path, chromium):
    from playwright.sync_api import expect

    # An embedded ledger with the demo's accounts and records, stopped cleanly.
    (tmp_path / "embedded").mkdir()
    embedded = WebNode(tmp_path / "embedded" / "data")
    embedded.start()
    try:
        embedded_checkpoint = urlopen_text(embedded.url + "/checkpoint/latest")
    finally:
        embedded.stop()
    data = embedded.data
    before = cli("", "verify", "--data", str(data), "--json")
    assert before.returncode == 0, before.stderr
    counts = json.loads(before.stdout.strip().splitlines()[-1])

    url = postgres.fresh_database("migrated")
    migrated = cli(postgres.password, "migrate", "--from", str(data), "--to", url)
    assert migrated.returncode == 0, f"migrate failed: {migrated.stdout}{migrated.stderr}"
    after = cli(postgres.password, "verify", "--data", str(data), "--store", url, "--json")
    assert after.returncode == 0, f"the migrated ledger does not verify: {after.stdout}{after.stderr}"
    assert json.loads(after.stdout.strip().splitlines()[-1]) == counts

    cluster = LedgerCluster(tmp_path / "nodes", url, postgres.password, 1, data=data,
                            extra_args=("--lease-ttl-ms", str(LEASE_TTL_MS), "--web-root", str(WEB_ROOT)))
    node = cluster.nodes[0]
    try:
        node.start()
        with cluster.diagnosed():
            assert urlopen_text(node.url + "/checkpoint/latest") == embedded_checkpoint, \
                "the migrated store's latest checkpoint differs from the embedded ledger's"
            accounts = {a["username"]: a["password"] for a in json.loads((data / "demo-accounts.json").read_text())}
            context = chromium.new_context()
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.goto(node.url + "/login")
            page.fill("#username", "pat.demo")
            page.fill("#password", accounts["pat.demo"])
            page.click("#login-button")
            page.wait_for_url(lambda u: "/login" not in u, timeout=SIGN_IN_TIMEOUT)
            page.goto(node.url + "/patient/records")
            link = page.locator('main a[href^="/records/"]').first
            expect(link).to_be_visible()
            with page.expect_navigation():
                link.click()
            expect(page.locator("#record-content")).not_to_be_empty()
            expect(page.locator("#content-error")).to_have_count(0)
            context.close()
            assert latest_size(node) > int(embedded_checkpoint.split("\n")[1]), "signing in and reading should be on the ledger"
            assert_verifies(cluster)
    finally:
        node.stop()


def urlopen_text(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()
