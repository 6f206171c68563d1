#!/usr/bin/env python3
"""The fault tests: the real `clinic serve` on loopback, a PostgreSQL cluster of its own, and the
faults an operator meets: the server killed under write load, PostgreSQL restarted or stopped
under load, SIGTERM under load and after a database restart, and hostile values in every
parameter. Run by `make test` after the Swift tests (`make faults` alone).

Each scenario asserts what issue 11 promises:
  - no 500 and no request left without an answer (every request has a 30 s client timeout);
  - every acknowledged (2xx) write is in the database, and a retry with its Idempotency-Key
    answers the same resource;
  - /ready says "not ready" within about a second of the database going, and the server serves
    again within 5 s of its return, by itself;
  - SIGTERM exits 0 within the drain limit, in every state;
  - out-of-range values never stop the process.

Usage: faults.py [SCENARIO ...]   (default: all; --list names them)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from harness import (OWNER_ROLE, Answer, Cluster, Failure, Load, Server, attempt, check,  # noqa: E402,F401
                     referral_body, request, run_clinic, run_scenarios, summary)

DRAIN_LIMIT = 10.0       # CLINIC_DRAIN_TIMEOUT's default
READY_WITHIN = 1.5       # /ready answers "not ready" within its 1 s probe timeout, plus scheduling slack
SERVES_WITHIN = 5.0      # after the database is back


class Installation:
    """A migrated database with a clinic and an admin token, on a cluster of its own."""

    def __init__(self) -> None:
        self.cluster = Cluster()
        owner = self.cluster.url(OWNER_ROLE)
        run_clinic(["migrate"], owner)
        run_clinic(["clinic", "create", "--name", "Faults Spine Center", "--time-zone", "America/Denver",
                    "--hours", "1-5=07:00-17:00"], self.cluster.url())
        self.clinic_id = json.loads(self.cluster.psql("clinic", "SELECT json_agg(id) FROM clinics"))[0]
        self.token = run_clinic(["token", "create", "--role", "admin", "--all-clinics", "--name", "faults"],
                                self.cluster.url()).strip().splitlines()[-1]

    def server(self, **env: str) -> Server:
        return Server(self.cluster.url(), env=env)

    def stored_referrals(self) -> set[str]:
        text = self.cluster.psql("clinic", "SELECT coalesce(json_agg(id), '[]') FROM referrals")
        return set(json.loads(text))

    def close(self) -> None:
        self.cluster.destroy()


def assert_answered_without_500(sent, label: str) -> None:
    bad = [s for s in sent if s.answer.status is None or s.answer.status >= 500 and s.answer.status != 503]
    detail = "; ".join(f"{s.kind} {s.answer.status} {s.answer.error or s.answer.body[:120]!r}" for s in bad[:5])
    check(not bad, f"{label}: {len(bad)} request(s) got a 5xx other than 503 or no answer: {detail} (all: {summary(sent)})")
    problems = [s for s in sent if s.answer.status == 503 and s.answer.headers.get("content-type") != "application/problem+json"]
    check(not problems, f"{label}: a 503 without problem+json")
    no_retry = [s for s in sent if s.answer.status == 503 and "retry-after" not in s.answer.headers]
    check(not no_retry, f"{label}: a 503 without Retry-After")


def retry_writes(port: int, token: str, clinic_id: str, sent) -> dict[str, str]:
    """Sends every create again with its key; returns key -> referral id, checking replays agree."""
    ids: dict[str, str] = {}
    for item in sent:
        if item.kind != "create":
            continue
        for _ in range(20):
            again = attempt("POST", port, "/v1/referrals", body=referral_body(clinic_id, item.key[-20:]), token=token,
                            headers={"Idempotency-Key": item.key})
            if again.status != 503:
                break
            time.sleep(0.25)
        check(again.status in (200, 201), f"retrying {item.key} answered {again.status} {again.error or again.body[:200]!r}")
        ids[item.key] = again.json()["id"]
        if item.answer.status in (200, 201):
            first = item.answer.json()["id"]
            check(again.status == 200 and first == ids[item.key],
                  f"a retry of acknowledged {item.key} answered {again.status} with {ids[item.key]}, not a replay of {first}")
    return ids


def assert_nothing_lost(install: Installation, sent, ids: dict[str, str]) -> None:
    stored = install.stored_referrals()
    acknowledged = {s.answer.json()["id"] for s in sent if s.kind == "create" and s.answer.status in (200, 201)}
    check(acknowledged <= stored, f"{len(acknowledged - stored)} acknowledged referral(s) missing from the database")
    check(set(ids.values()) <= stored, "a retried key answered a referral that is not stored")
    check(len(set(ids.values())) == len(ids), "two keys answered the same referral")


# --- scenarios ---------------------------------------------------------------------------------

def kill9_under_write_load(install: Installation) -> str:
    server = install.server().start()
    load = Load(server.port, install.token, install.clinic_id, workers=16, write_share=0.8).start()
    time.sleep(3)
    server.kill()                                 # SIGKILL, mid-write
    sent = load.stop()
    check(sum(1 for s in sent if s.answer.status in (200, 201)) > 20, f"too little load before the kill: {summary(sent)}")
    restarted = Server(install.cluster.url(), port=server.port).start()
    try:
        ids = retry_writes(restarted.port, install.token, install.clinic_id, sent)
        assert_nothing_lost(install, sent, ids)
    finally:
        restarted.signal(signal.SIGTERM)
        check(restarted.wait(DRAIN_LIMIT + 2) == 0, "the restarted server did not exit 0 on SIGTERM")
    acknowledged = sum(1 for s in sent if s.answer.status in (200, 201) and s.kind == "create")
    return f"{acknowledged} acknowledged writes all stored; {len(ids)} keys retried, each answered its first referral ({summary(sent)})"


def database_event_under_load(install: Installation, event: str) -> str:
    server = install.server().start()
    try:
        load = Load(server.port, install.token, install.clinic_id, workers=16, write_share=0.5).start()
        time.sleep(2)
        ready_log: list[tuple[float, int | None]] = []
        watching = threading.Event()

        def watch_ready() -> None:
            while not watching.is_set():
                answer = attempt("GET", server.port, "/ready", timeout=10)
                ready_log.append((time.monotonic(), answer.status))
                time.sleep(0.1)

        watcher = threading.Thread(target=watch_ready, daemon=True)
        watcher.start()
        gone_at = time.monotonic()
        if event.startswith("stop-"):
            install.cluster.stop("fast")
            gone_at = time.monotonic()
            time.sleep(float(event.removeprefix("stop-").removesuffix("s")))
            install.cluster.start()
        else:
            install.cluster.restart(event.removeprefix("restart-"))
        back_at = time.monotonic()
        time.sleep(SERVES_WITHIN + 3)
        watching.set()
        watcher.join()
        sent = load.stop()

        assert_answered_without_500(sent, event)
        if event.startswith("stop-"):
            down = [t for t, status in ready_log if t > gone_at and status == 503]
            check(down and down[0] - gone_at <= READY_WITHIN,
                  f"/ready said not ready {down[0] - gone_at:.2f} s after the database went" if down else "/ready never said not ready")
        ready_again = [t for t, status in ready_log if t > back_at and status == 200]
        check(ready_again and ready_again[0] - back_at <= SERVES_WITHIN,
              f"/ready was 200 again {ready_again[0] - back_at:.1f} s after the database returned" if ready_again
              else "/ready never became 200 again")
        served = [s.started + s.answer.elapsed for s in sent
                  if s.started > back_at and s.kind == "create" and s.answer.status in (200, 201)]
        check(served and min(served) - back_at <= SERVES_WITHIN,
              "no write succeeded within 5 s of the database's return")
        ids = retry_writes(server.port, install.token, install.clinic_id, [s for s in sent if s.answer.status != 400])
        assert_nothing_lost(install, sent, ids)
        unavailable = sum(1 for s in sent if s.answer.status == 503)
        slowest = max(s.answer.elapsed for s in sent)
        replaced = server.output().count("the pool was still backing off")
        return (f"{len(sent)} requests, {unavailable} answered 503, none unanswered (slowest {slowest:.1f} s); "
                f"ready again {ready_again[0] - back_at:.1f} s after the database returned"
                f"{f' (pool replaced {replaced}x)' if replaced else ''}; writes all stored")
    finally:
        server.signal(signal.SIGTERM)
        server.wait(DRAIN_LIMIT + 2)
        server.kill()


def restart_fast(install: Installation) -> str:
    return database_event_under_load(install, "restart-fast")


def restart_immediate(install: Installation) -> str:
    return database_event_under_load(install, "restart-immediate")


def stop_10s(install: Installation) -> str:
    return database_event_under_load(install, "stop-10s")


def stop_40s(install: Installation) -> str:
    """Long enough that PostgresNIO's own retry backoff has grown past 5 s (it grows to a minute):
    the server must still serve within 5 s of the database's return."""
    return database_event_under_load(install, "stop-40s")


def sigterm_under_load(install: Installation) -> str:
    server = install.server().start()
    load = Load(server.port, install.token, install.clinic_id, workers=16, write_share=0.5).start()
    time.sleep(2)
    signalled = time.monotonic()
    server.signal(signal.SIGTERM)
    status = server.wait(DRAIN_LIMIT + 2)
    took = time.monotonic() - signalled
    sent = load.stop()
    check(status == 0, f"SIGTERM under load: exit status {status} after {took:.1f} s")
    # A request sent well before the signal is answered. Once the server stops listening, a new
    # connection is refused or reset in the accept queue (a load balancer retries it elsewhere):
    # never a 500, never a hang.
    started_before = [s for s in sent if s.started < signalled - 0.5]
    assert_answered_without_500(started_before, "before SIGTERM")
    later = [s for s in sent if s.started >= signalled - 0.5]
    hung = [s for s in later if s.answer.status is None and "timeout" in (s.answer.error or "")]
    check(not hung, f"{len(hung)} request(s) sent during the drain hung until the client gave up")
    failed = [s for s in later if s.answer.status is not None and s.answer.status >= 500 and s.answer.status != 503]
    check(not failed, f"{len(failed)} request(s) sent during the drain got {failed[0].answer.status if failed else ''}")
    return f"exit 0 after {took:.1f} s under load; every request accepted was answered ({summary(sent)})"


def sigterm_after_database_restart(install: Installation) -> str:
    server = install.server().start()
    load = Load(server.port, install.token, install.clinic_id, workers=16, write_share=0.5).start()
    time.sleep(1.5)
    install.cluster.restart("immediate")
    time.sleep(1)
    sent = load.stop()
    signalled = time.monotonic()
    server.signal(signal.SIGTERM)
    status = server.wait(DRAIN_LIMIT + 2)
    took = time.monotonic() - signalled
    server.kill()
    check(status == 0, f"SIGTERM after a database restart: exit status {status} after {took:.1f} s")
    assert_answered_without_500(sent, "around the restart")
    return f"exit 0 {took:.1f} s after SIGTERM ({summary(sent)})"


def hostile_values(install: Installation) -> str:
    """Out-of-range values in every date, number and cursor parameter of openapi.yaml, mutated
    server-issued cursors, and oversized chunked bodies: each answered below 500, the process alive."""
    import hostile
    server = install.server().start()
    try:
        count = hostile.run(server, install)
        check(server.process.poll() is None, "the server stopped during the hostile requests")
        check("Fatal error" not in server.output(), "the server log has a fatal error")
        return f"{count} hostile requests, every one answered below 500, the server alive"
    finally:
        server.signal(signal.SIGTERM)
        server.wait(DRAIN_LIMIT + 2)
        server.kill()


SCENARIOS = [kill9_under_write_load, restart_fast, restart_immediate, stop_10s, stop_40s, sigterm_under_load,
             sigterm_after_database_restart, hostile_values]


def main(argv: list[str]) -> int:
    def on_installation(scenario) -> str:
        install = Installation()
        try:
            return scenario(install)
        finally:
            install.close()
    return run_scenarios("faults", SCENARIOS, argv, on_installation)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
