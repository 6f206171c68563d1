#!/usr/bin/env python3
"""The deployment tests: the real `clinic serve` instances behind nginx (deploy/nginx/clinic.conf,
TLS on), the backup scripts, a streaming replica for the reports, and a pg_auto_failover
formation, all on 127.0.0.1. Run by `make test` after the fault scenarios (`make deploy-tests`).

What each scenario asserts is in its docstring; together they are issue 15's tests:
  - two instances behind nginx, 200 concurrent bookings for overlapping times, repeated;
  - kill -9 of one instance under load;
  - a rolling restart (SIGTERM one at a time) under load;
  - backup, wipe, restore: the same nightly report byte for byte;
  - the nightly report from a streaming replica, and when it lags or is down;
  - a pg_auto_failover failover under booking load.

Usage: deploy.py [SCENARIO ...]   (default: all; --list names them)
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(__file__))
from stack import (APP_ROLE, OWNER_ROLE, REPO, Answer, Cluster, Failure, Formation, Nginx, Replica,  # noqa: E402
                   Server, check, psql, request, run_clinic, run_scenarios)

CURSOR_SECRET = "deploy-tests-cursor-secret-0123456789abcdef"
DRAIN_LIMIT = 10.0
ZONE = "America/Denver"
#: Answers a booking may get under faults: created, replayed, taken (409), or the documented 503.
BOOKING_ANSWERS = {200, 201, 409, 503}


def weekdays(count: int, first_offset: int = 7) -> list[datetime.date]:
    """`count` weekdays from a week ahead: bookable days far enough in the future."""
    day = datetime.date.today() + datetime.timedelta(days=first_offset)
    days = []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def start_at(day: datetime.date, minutes_after_seven: int) -> str:
    """A wall-clock start in the clinic's zone as RFC 3339 (Denver: -07:00, or -06:00 in summer)."""
    from zoneinfo import ZoneInfo
    local = datetime.datetime.combine(day, datetime.time(7), ZoneInfo(ZONE)) + datetime.timedelta(
        minutes=minutes_after_seven)
    return local.isoformat()


class Site:
    """A clinic on a database: migrated, a clinic with two consult rooms and two evaluators, an
    admin token. `url`/`owner_url` may name several hosts (a pg_auto_failover formation)."""

    def __init__(self, url: str, owner_url: str, check_sql) -> None:
        self.url, self.owner_url, self.sql = url, owner_url, check_sql
        run_clinic(["migrate"], owner_url)
        run_clinic(["clinic", "create", "--name", "Deploy Spine Center", "--time-zone", ZONE,
                    "--hours", "1-5=07:00-17:00"], url)
        self.clinic_id = json.loads(self.sql("SELECT json_agg(id) FROM clinics"))[0]
        for kind, name in [("consult_room", "Consult 1"), ("consult_room", "Consult 2"),
                           ("evaluator", "Dr. Chen"), ("evaluator", "Dr. Patel")]:
            run_clinic(["resource", "add", "--clinic", self.clinic_id, "--kind", kind, "--name", name,
                        "--window", "1-5=07:00-17:00"], url)
        self.token = run_clinic(["token", "create", "--role", "admin", "--all-clinics", "--name", "deploy tests"],
                                url).strip().splitlines()[-1]

    def server(self, port: int | None = None, **env: str) -> Server:
        return Server(self.url, env={"CLINIC_CURSOR_SECRET": CURSOR_SECRET, **env}, port=port)

    def overlapping_claims(self) -> int:
        """Live claims on one resource that overlap: double bookings. Must be 0."""
        return int(self.sql("""
            SELECT count(*) FROM appointment_resources a
            JOIN appointment_resources b ON a.resource_id = b.resource_id AND a.appointment_id < b.appointment_id
                AND a.during && b.during
            JOIN appointments x ON x.id = a.appointment_id JOIN appointments y ON y.id = b.appointment_id
            WHERE a.active AND b.active AND NOT a.overbooked AND NOT b.overbooked
              AND x.state NOT IN ('cancelled', 'no_show') AND y.state NOT IN ('cancelled', 'no_show')"""))

    def stored_appointments(self) -> set[str]:
        return set(json.loads(self.sql("SELECT coalesce(json_agg(id), '[]') FROM appointments")))


def referral_body(clinic_id: str, mrn: str) -> str:
    """The suite's clinical example: a 68-year-old with an L1 wedge fracture, 30% height loss, STIR edema."""
    return json.dumps({
        "clinicId": clinic_id,
        "patient": {"mrn": mrn, "givenName": "Eleanor", "familyName": "Whitfield", "birthDate": "1958-03-14",
                    "sex": "female"},
        "referringClinician": {"name": "Dr. Samuel Ortiz", "npi": "1234567893"},
        "reason": "L1 wedge fracture, 30% height loss, STIR edema on MRI; NRS 7 despite bracing.",
        "symptomOnset": "2026-10-30",
    })


def parallel(function, items, workers: int = 16) -> list:
    """`function` over `items` on `workers` threads; results in order."""
    results: list = [None] * len(items)
    counter = itertools.count()
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                index = next(counter)
            if index >= len(items):
                return
            results[index] = function(items[index])
    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def make_referrals(site: Site, nginx: Nginx, count: int) -> list[str]:
    """`count` triaged referrals, created through nginx (each patient its own MRN)."""
    def create(index: int) -> str:
        mrn = f"DEP-{uuid.uuid4().hex[:12]}"
        for _ in range(20):
            answer = nginx.request("POST", "/v1/referrals", body=referral_body(site.clinic_id, mrn), token=site.token,
                                   headers={"Idempotency-Key": f"setup-{mrn}"})
            if answer.status == 201:
                return answer.json()["id"]
            time.sleep(0.2)
        raise Failure(f"could not create a referral: {answer.status} {answer.error or answer.body[:200]!r}")
    return parallel(create, list(range(count)))


@dataclass
class Booking:
    referral: str
    start: str
    key: str
    answer: Answer | None = None
    at: float = 0.0

    def body(self) -> str:
        return json.dumps({"referralId": self.referral, "kind": "evaluation", "start": self.start})


def book(nginx: Nginx, token: str, booking: Booking) -> Booking:
    booking.at = time.monotonic()
    booking.answer = nginx.request("POST", "/v1/appointments", body=booking.body(), token=token,
                                   headers={"Idempotency-Key": booking.key}, timeout=30)
    return booking


def describe(answers) -> str:
    counts: dict[str, int] = {}
    for answer in answers:
        label = str(answer.status) if answer.status else (answer.error or "?").split(":")[0]
        counts[label] = counts.get(label, 0) + 1
    return json.dumps(dict(sorted(counts.items())))


def check_answers(bookings: list[Booking], allowed: set[int], label: str) -> None:
    """Every request answered, with an allowed status; 503s are problem+json with Retry-After."""
    bad = [b for b in bookings if b.answer.status not in allowed]
    check(not bad, f"{label}: {len(bad)} answer(s) outside {sorted(allowed)}: "
                   + "; ".join(f"{b.answer.status} {b.answer.error or b.answer.body[:160]!r}" for b in bad[:4])
                   + f" (all: {describe(b.answer for b in bookings)})")
    for b in bookings:
        if b.answer.status == 503:
            check(b.answer.headers.get("content-type") == "application/problem+json"
                  and "retry-after" in b.answer.headers, f"{label}: a 503 without problem+json and Retry-After")


def acknowledged(bookings: list[Booking]) -> dict[str, str]:
    """Idempotency key -> appointment id, for every booking that got a 2xx."""
    return {b.key: b.answer.json()["id"] for b in bookings if b.answer.status in (200, 201)}


def retry_all(nginx: Nginx, site: Site, bookings: list[Booking], label: str) -> None:
    """Sends every booking again with its key: an acknowledged one answers the same appointment,
    and an unknown outcome (503, no answer) now has a definite answer."""
    first = acknowledged(bookings)

    def again(booking: Booking) -> tuple[Booking, Answer]:
        for _ in range(40):
            answer = nginx.request("POST", "/v1/appointments", body=booking.body(), token=site.token,
                                   headers={"Idempotency-Key": booking.key})
            if answer.status not in (503, None):
                return booking, answer
            time.sleep(0.25)
        return booking, answer
    for booking, answer in parallel(again, bookings):
        check(answer.status in (200, 201, 409), f"{label}: retrying {booking.key} answered {answer.status} "
                                                f"{answer.error or answer.body[:200]!r}")
        if booking.key in first:
            check(answer.status == 200 and answer.json()["id"] == first[booking.key],
                  f"{label}: a retry of acknowledged {booking.key} answered {answer.status} {answer.body[:200]!r}, "
                  f"not a replay of {first[booking.key]}")


def upstreams_used(nginx: Nginx, since_line: int = 0) -> dict[str, int]:
    """How many requests each instance answered, from nginx's access log."""
    used: dict[str, int] = {}
    for line in nginx.access_log()[since_line:]:
        for part in line.split():
            if part.startswith("upstream=") and part != "upstream=-":
                for address in part[len("upstream="):].split(","):
                    address = address.strip(" ,:")
                    if address:
                        used[address] = used.get(address, 0) + 1
    return used


class BookingLoad:
    """Workers booking evaluation times through nginx until stopped, each with a fresh referral and
    key, at random quarter hours of `days` (many overlap: 409s are part of the load)."""

    def __init__(self, nginx: Nginx, site: Site, referrals: list[str], days: list[datetime.date],
                 workers: int = 24) -> None:
        self.nginx, self.site, self.days, self.workers = nginx, site, days, workers
        self.referrals = iter(referrals)
        self.lock = threading.Lock()
        self.bookings: list[Booking] = []
        self.reads: list[Answer] = []
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> "BookingLoad":
        for _ in range(self.workers):
            thread = threading.Thread(target=self._work, daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def _work(self) -> None:
        rng = random.Random()
        while not self.stopping.is_set():
            with self.lock:
                referral = next(self.referrals, None)
            if referral is None:
                return
            booking = Booking(referral, start_at(rng.choice(self.days), 15 * rng.randrange(0, 37)),
                              f"deploy-{uuid.uuid4()}")
            book(self.nginx, self.site.token, booking)
            read = self.nginx.request("GET", f"/v1/referrals/{referral}", token=self.site.token)
            with self.lock:
                self.bookings.append(booking)
                self.reads.append(read)

    def count(self) -> int:
        with self.lock:
            return len(self.bookings)

    def stop(self) -> list[Booking]:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)
        return self.bookings


class Pair:
    """Two `clinic serve` instances behind nginx, on one database."""

    def __init__(self, site: Site, **env: str) -> None:
        self.site = site
        self.env = env
        self.servers = [site.server(**env).start(), site.server(**env).start()]
        self.nginx = Nginx([s.port for s in self.servers]).start()

    def restart(self, index: int) -> int | None:
        """SIGTERM instance `index`, wait for its exit, start a new one on the same port; its exit status."""
        old = self.servers[index]
        old.signal(signal.SIGTERM)
        status = old.wait(DRAIN_LIMIT + 5)
        self.servers[index] = self.site.server(port=old.port, **self.env).start()
        return status

    def close(self) -> None:
        self.nginx.stop()
        for server in self.servers:
            server.signal(signal.SIGTERM)
        for server in self.servers:
            if server.wait(DRAIN_LIMIT + 2) is None:
                server.kill()


def single_cluster_site() -> tuple[Cluster, Site]:
    cluster = Cluster()
    site = Site(cluster.url(), cluster.url(OWNER_ROLE), lambda sql: cluster.psql("clinic", sql))
    return cluster, site


# --- scenarios ---------------------------------------------------------------------------------

def bookings_behind_nginx() -> str:
    """Two instances behind nginx; 200 concurrent bookings for overlapping times (quarter hours
    from 07:00 to 08:45 on one day, 45-minute evaluations, two rooms and two evaluators), five
    rounds: zero double bookings, every answer 201 or 409 (or a documented 503), every 201 stored,
    and both instances served."""
    cluster, site = single_cluster_site()
    pair = Pair(site)
    try:
        rounds, per_round = 5, 200
        referrals = make_referrals(site, pair.nginx, rounds * per_round)
        days = weekdays(rounds)
        created = 0
        for number, day in enumerate(days):
            batch = [Booking(r, start_at(day, 15 * (i % 8)), f"round-{number}-{i}")
                     for i, r in enumerate(referrals[number * per_round:(number + 1) * per_round])]
            barrier = threading.Barrier(per_round)

            def go(booking: Booking) -> Booking:
                barrier.wait()
                return book(pair.nginx, site.token, booking)
            done = parallel(go, batch, workers=per_round)
            check_answers(done, {201, 409, 503}, f"round {number + 1}")
            won = acknowledged(done)
            check(won, f"round {number + 1}: no booking succeeded ({describe(b.answer for b in done)})")
            check(set(won.values()) <= site.stored_appointments(), f"round {number + 1}: a 201 is not stored")
            overlaps = site.overlapping_claims()
            check(overlaps == 0, f"round {number + 1}: {overlaps} double booking(s)")
            conflicts = [b for b in done if b.answer.status == 409]
            check(all(b.answer.headers.get("content-type") == "application/problem+json" for b in conflicts),
                  "a 409 without problem+json")
            created += len(won)
        used = upstreams_used(pair.nginx)
        check(len(used) == 2 and min(used.values()) > 100, f"nginx did not spread the load over both instances: {used}")
        return (f"{rounds} rounds of {per_round} concurrent bookings: {created} booked, 0 double bookings, "
                f"no 5xx; requests per instance {sorted(used.values())}")
    finally:
        pair.close()
        cluster.destroy()


def nginx_edges() -> str:
    """What nginx itself answers: the caller's plain X-Request-Id goes through to the server and
    back (and into both logs), a forged one is replaced by nginx's own; an upload over 1 MiB is
    413 problem+json; plain HTTP is redirected to HTTPS; with both instances gone the answer is
    503 problem+json with Retry-After, never nginx's HTML."""
    cluster, site = single_cluster_site()
    pair = Pair(site)
    try:
        given = f"deploy-{uuid.uuid4().hex[:12]}"
        answer = pair.nginx.request("GET", "/v1/referrals?limit=1", token=site.token, headers={"X-Request-Id": given})
        check(answer.status == 200 and answer.headers.get("x-request-id") == given,
              f"X-Request-Id {given} did not come back: {answer.status} {answer.headers.get('x-request-id')}")
        check(pair.nginx.logged(f"rid={given}"), "nginx did not log the request id")
        forged = pair.nginx.request("GET", "/v1/referrals?limit=1", token=site.token,
                                    headers={"X-Request-Id": "x" * 65})
        replaced = forged.headers.get("x-request-id", "")
        check(forged.status == 200 and replaced and replaced != "x" * 65, "a forged X-Request-Id came back")
        check(pair.nginx.logged(f"rid={replaced}"), "nginx logged another id than the one the server answered with")
        big = pair.nginx.request("POST", "/v1/referrals", token=site.token, body=b"{" + b" " * (1024 * 1024 + 10) + b"}")
        check(big.status == 413 and big.headers.get("content-type") == "application/problem+json"
              and big.json()["type"] == "/problems/payload-too-large", f"an oversized body got {big.status} {big.body[:120]!r}")
        plain = request("GET", pair.nginx.http_port, "/v1/referrals")
        check(plain.status == 308 and plain.headers.get("location", "").startswith("https://"),
              f"plain HTTP was not redirected: {plain.status}")
        for server in pair.servers:
            server.kill()
        gone = pair.nginx.request("GET", "/v1/referrals?limit=1", token=site.token)
        check(gone.status == 503 and gone.headers.get("content-type") == "application/problem+json"
              and "retry-after" in gone.headers and gone.json()["type"] == "/problems/unavailable",
              f"with no instance left nginx answered {gone.status} {gone.body[:120]!r}")
        return "request ids through and logged, forged ones replaced; 413, 308 and 503 in the API's shape"
    finally:
        pair.close()
        cluster.destroy()


def kill9_behind_nginx() -> str:
    """kill -9 of one instance under booking load: every 2xx is stored, nginx sends everything to
    the other instance afterwards, and every booking resent with its key answers the same
    appointment (the ones in flight at the kill get 503 from nginx, documented: resend with the key)."""
    cluster, site = single_cluster_site()
    pair = Pair(site)
    try:
        referrals = make_referrals(site, pair.nginx, 1500)
        load = BookingLoad(pair.nginx, site, referrals, weekdays(30)).start()
        time.sleep(4)
        before = load.count()
        log_line = len(pair.nginx.access_log())
        victim = pair.servers[0]
        victim.kill()
        killed_at = time.monotonic()
        time.sleep(6)
        bookings = load.stop()
        check(before > 50, f"too little load before the kill: {before}")
        check_answers(bookings, BOOKING_ANSWERS, "under kill -9")
        check(all(r.status == 200 for r in load.reads), f"a read failed: {describe(load.reads)}")
        after = [b for b in bookings if b.at > killed_at + 1]
        check(sum(1 for b in after if b.answer.status in (200, 201)) > 20,
              f"the surviving instance did not take over: {describe(b.answer for b in after)}")
        used = upstreams_used(pair.nginx, log_line + 50)
        survivor = f"127.0.0.1:{pair.servers[1].port}"
        check(used.get(survivor, 0) > 0, f"nginx did not use the survivor after the kill: {used}")
        stored = site.stored_appointments()
        won = acknowledged(bookings)
        check(set(won.values()) <= stored, f"{len(set(won.values()) - stored)} acknowledged booking(s) lost")
        retry_all(pair.nginx, site, bookings, "after kill -9")
        check(site.overlapping_claims() == 0, "a double booking after kill -9")
        unavailable = sum(1 for b in bookings if b.answer.status == 503)
        return (f"{len(bookings)} bookings ({describe(b.answer for b in bookings)}), {len(won)} acknowledged, all "
                f"stored and replayed by key; {unavailable} in flight at the kill answered 503; reads all 200")
    finally:
        pair.close()
        cluster.destroy()


def rolling_restart_behind_nginx() -> str:
    """Both instances restarted one at a time (SIGTERM, exit 0, start again, next) under booking
    and read load through nginx: no request nginx accepted fails (no 5xx, no broken connection)."""
    cluster, site = single_cluster_site()
    pair = Pair(site)
    try:
        referrals = make_referrals(site, pair.nginx, 2000)
        load = BookingLoad(pair.nginx, site, referrals, weekdays(30)).start()
        time.sleep(3)
        statuses = []
        for index in (0, 1):
            statuses.append(pair.restart(index))
            time.sleep(3)
        bookings = load.stop()
        check(statuses == [0, 0], f"an instance did not exit 0 on SIGTERM: {statuses}")
        try:
            check_answers(bookings, {200, 201, 409}, "rolling restart")
        except Failure as failure:
            raise Failure(f"{failure}; nginx: " + "\n".join(l for l in pair.nginx.error_log().splitlines() if "prematurely" in l or "reset" in l or "while reading" in l or "while sending" in l)[-3000:])
        check(all(r.status == 200 for r in load.reads), f"a read failed: {describe(load.reads)}")
        won = acknowledged(bookings)
        check(set(won.values()) <= site.stored_appointments(), "an acknowledged booking is not stored")
        check(site.overlapping_claims() == 0, "a double booking during the rolling restart")
        return (f"{len(bookings)} bookings and {len(load.reads)} reads through two restarts: "
                f"{describe(b.answer for b in bookings)}, every read 200")
    finally:
        pair.close()
        cluster.destroy()


def backup_wipe_restore() -> str:
    """deploy/postgres/backup.sh, then the database dropped and made again empty, then restore.sh:
    the restored database answers the same nightly report byte for byte (the recorded one), and
    computing it again from the restored rows gives the same figures. restore-drill.sh passes."""
    cluster = Cluster()
    backups = tempfile.mkdtemp(prefix="clinic-backups-")
    try:
        owner = cluster.url(OWNER_ROLE)
        run_clinic(["migrate"], owner)
        run_clinic(["seed", "--demo"], cluster.url())
        clinic_id = json.loads(cluster.psql("clinic", "SELECT json_agg(id) FROM clinics"))[0]
        token = run_clinic(["token", "create", "--role", "reporter", "--all-clinics", "--name", "backup drill"],
                           cluster.url()).strip().splitlines()[-1]
        # Finished days on the clinic's calendar (Phoenix, up to a day behind UTC): recorded when first read.
        days = [(datetime.date.today() - datetime.timedelta(days=n)).isoformat() for n in (2, 3, 9)]
        server = Server(cluster.url()).start()
        try:
            before = {d: request("GET", server.port, f"/v1/reports/nightly?clinicId={clinic_id}&date={d}",
                                 token=token) for d in days}
        finally:
            server.signal(signal.SIGTERM)
            server.wait(DRAIN_LIMIT + 2)
        check(all(a.status == 200 for a in before.values()), "a report before the backup failed")
        dump = subprocess.run(["bash", f"{REPO}/deploy/postgres/backup.sh", owner, backups], check=True,
                              capture_output=True, text=True).stdout.strip()
        check(os.path.getsize(dump) > 10_000, "the dump is suspiciously small")
        drill = subprocess.run(["bash", f"{REPO}/deploy/postgres/restore-drill.sh", dump, cluster.url("postgres")],
                               capture_output=True, text=True,
                               env=dict(os.environ, CLINIC=os.path.join(REPO, ".build", "debug", "clinic")))
        check(drill.returncode == 0 and "answers the same report in 1 clinic" in drill.stdout,
              f"restore-drill.sh failed: {drill.stdout} {drill.stderr}")
        # The wipe: what an operator does to a lost database before restoring it.
        cluster.psql("postgres", "DROP DATABASE clinic WITH (FORCE)")
        cluster.psql("postgres", f"CREATE DATABASE clinic OWNER {OWNER_ROLE}")
        refused = subprocess.run(["bash", f"{REPO}/deploy/postgres/restore.sh", dump, owner], capture_output=True,
                                 text=True)
        check(refused.returncode == 0, f"restore.sh failed: {refused.stderr}")
        again = subprocess.run(["bash", f"{REPO}/deploy/postgres/restore.sh", dump, owner], capture_output=True,
                               text=True)
        check(again.returncode != 0 and "empty database" in again.stderr,
              "restore.sh restored over a database that has tables")
        run_clinic(["check"], cluster.url())
        server = Server(cluster.url()).start()
        try:
            after = {d: request("GET", server.port, f"/v1/reports/nightly?clinicId={clinic_id}&date={d}",
                                token=token) for d in days}
            for d in days:
                check(after[d].status == 200 and after[d].body == before[d].body,
                      f"the restored database answers a different report for {d}")
            # The figures themselves, not only the recorded copy: forget the records, compute again.
            cluster.psql("clinic", "DELETE FROM report_runs", role=OWNER_ROLE)
            for d in days:
                fresh = request("GET", server.port, f"/v1/reports/nightly?clinicId={clinic_id}&date={d}", token=token)
                old, new = before[d].json(), fresh.json()
                old.pop("generatedAt"), new.pop("generatedAt")
                check(old == new, f"the report for {d} computed from the restored rows differs")
        finally:
            server.signal(signal.SIGTERM)
            server.wait(DRAIN_LIMIT + 2)
        return (f"dump of {os.path.getsize(dump) // 1024} KiB; after wipe and restore the reports for {', '.join(days)} "
                "are byte for byte the same and recompute to the same figures; restore-drill.sh passed")
    finally:
        shutil.rmtree(backups, ignore_errors=True)
        cluster.destroy()


def report_from_replica() -> str:
    """The server with CLINIC_REPORTS_DATABASE_URL on a streaming replica: the report's figures are
    read there (its row counters move) and equal the primary's, a referral made a moment before is
    in it; a replica that stops replaying or is stopped is passed over for the primary within
    about the catch-up limit, and the answer is still right; back up, it is used again."""
    cluster = Cluster()
    replica = None
    server = plain = None
    try:
        run_clinic(["migrate"], cluster.url(OWNER_ROLE))
        run_clinic(["seed", "--demo"], cluster.url())
        clinic_id = json.loads(cluster.psql("clinic", "SELECT json_agg(id) FROM clinics"))[0]
        token = run_clinic(["token", "create", "--role", "admin", "--all-clinics", "--name", "replica test"],
                           cluster.url()).strip().splitlines()[-1]
        replica = Replica(cluster)
        server = Server(cluster.url(), env={"CLINIC_REPORTS_DATABASE_URL": replica.url()}).start()
        plain = Server(cluster.url()).start()

        def replica_reads() -> int:
            return int(replica.psql("clinic", "SELECT tup_returned FROM pg_stat_database WHERE datname = 'clinic'"))

        def today(on: Server) -> tuple[Answer, float]:
            started = time.monotonic()
            answer = request("GET", on.port, f"/v1/reports/nightly?clinicId={clinic_id}&date=today", token=token)
            check(answer.status == 200, f"today's report answered {answer.status} {answer.body[:200]!r}")
            return answer, time.monotonic() - started

        def figures(answer: Answer) -> dict:
            body = answer.json()
            body.pop("generatedAt")
            return body

        def new_referral() -> None:
            created = request("POST", server.port, "/v1/referrals", token=token,
                              body=referral_body(clinic_id, f"REP-{uuid.uuid4().hex[:10]}"))
            check(created.status == 201, f"a referral was not created: {created.status}")

        # 1. Caught up: the figures come from the replica and include a referral made just before.
        new_referral()
        counter = replica_reads()
        from_replica, _ = today(server)
        check(replica_reads() > counter + 50, "the report did not read the replica")
        check(figures(from_replica) == figures(today(plain)[0]), "the replica's report differs from the primary's")
        check(from_replica.json()["newReferrals"]["total"] >= 1, "today's new referral is missing")

        # 2. Lagging: replay paused; a referral made after the pause is still in the report (read
        #    from the primary after waiting at most the catch-up limit, 2 s).
        replica.psql("clinic", "SELECT pg_wal_replay_pause()")
        new_referral()
        lagging, took = today(server)
        check(figures(lagging) == figures(today(plain)[0]), "a lagging replica gave other figures than the primary")
        check(took < 5, f"a lagging replica held the report {took:.1f} s")
        replica.psql("clinic", "SELECT pg_wal_replay_resume()")

        # 3. Down: stopped; the report comes from the primary, quickly, and is right.
        replica.stop()
        new_referral()
        down, took = today(server)
        check(figures(down) == figures(today(plain)[0]), "with the replica down the report differs from the primary's")
        check(took < 5, f"a stopped replica held the report {took:.1f} s")
        second, took2 = today(server)
        check(took2 < 1.5, f"the replica was asked again at once after failing ({took2:.1f} s)")
        # The CLI reads the same way and falls back the same way.
        cli = run_clinic(["report", "nightly", "--clinic", clinic_id, "--date", "today", "--format", "json"],
                         cluster.url(), {"CLINIC_REPORTS_DATABASE_URL": replica.url()})
        check(json.loads(cli)["clinic"]["id"] == clinic_id, "the CLI report with the replica down failed")

        # 4. Back: after its rest (10 s) the replica serves the reports again.
        replica.start()
        time.sleep(11)
        deadline = time.monotonic() + 20
        while True:
            counter = replica_reads()
            back, _ = today(server)
            if replica_reads() > counter + 50:
                break
            check(time.monotonic() < deadline, "the replica was not used again after it came back")
            time.sleep(1)
        check(figures(back) == figures(today(plain)[0]), "after the replica's return the figures differ")
        check("reports read the primary" in server.output(), "the server did not log passing over the replica")
        return ("figures read on the replica and equal to the primary's; lagging: primary after <= 2 s, "
                f"down: primary in {took:.1f} s then {took2:.2f} s while it rests; used again once back")
    finally:
        for s in (server, plain):
            if s:
                s.signal(signal.SIGTERM)
                s.wait(DRAIN_LIMIT + 2)
        if replica:
            replica.destroy()
        cluster.destroy()


def seconds_to_writes(pair: Pair, site: Site, since: float) -> list[float]:
    """For each instance, asked directly (not through nginx): seconds from `since` until it
    takes a write. Past 15 s the scenario fails."""
    taken: list[float] = []
    for server in pair.servers:
        while True:
            answer = request("POST", server.port, "/v1/referrals", token=site.token,
                             body=referral_body(site.clinic_id, f"FO-{uuid.uuid4().hex[:10]}"))
            if answer.status == 201:
                taken.append(time.monotonic() - since)
                break
            check(time.monotonic() - since < 15,
                  f"instance :{server.port} took no write within 15 s of the new primary ({answer.status})")
            time.sleep(0.1)
    return taken


def check_bookings_kept(pair: Pair, site: Site, bookings: list[Booking], label: str, minimum: int) -> dict[str, str]:
    """After a failover: answers as documented, every acknowledged booking on the new primary, no
    double booking, every key replayed, both instances still running. Returns the acknowledged."""
    check_answers(bookings, BOOKING_ANSWERS, label)
    won = acknowledged(bookings)
    check(len(won) > minimum, f"{label}: too few bookings acknowledged: {describe(b.answer for b in bookings)}")
    stored = site.stored_appointments()   # read on the new primary
    check(set(won.values()) <= stored, f"{label}: {len(set(won.values()) - stored)} acknowledged booking(s) "
                                       "missing on the new primary")
    check(site.overlapping_claims() == 0, f"{label}: a double booking")
    retry_all(pair.nginx, site, bookings, f"after {label}")
    check(all(s.process.poll() is None for s in pair.servers), f"an instance stopped during {label}")
    return won


def failover_under_booking_load() -> str:
    """A pg_auto_failover formation (monitor + two nodes, synchronous replication), two instances
    behind nginx on its multi-host URL (target_session_attrs=read-write). A planned failover, then
    the new primary killed outright, each under booking load: every acknowledged booking is on the
    new primary, no double booking, and both servers take writes again within 15 s of the new
    primary, without a restart."""
    formation = Formation()
    pair = None
    try:
        primary = formation.primary()
        psql(primary.port, "postgres", f"CREATE ROLE {OWNER_ROLE} LOGIN; CREATE ROLE {APP_ROLE} LOGIN; "
                                       f"ALTER DATABASE clinic OWNER TO {OWNER_ROLE}")
        hosts = formation.uri().split("://", 1)[1].split("/", 1)[0]
        check(hosts.count(",") == 1, f"the monitor's URI does not name two hosts: {formation.uri()}")

        def url(role: str) -> str:
            return f"postgres://{role}@{hosts}/clinic?target_session_attrs=read-write"

        def on_primary(sql: str) -> str:
            return psql(formation.primary().port, "clinic", sql, role="postgres")
        site = Site(url(APP_ROLE), url(OWNER_ROLE), on_primary)
        pair = Pair(site)
        referrals = make_referrals(site, pair.nginx, 2500)
        load = BookingLoad(pair.nginx, site, referrals, weekdays(40)).start()
        time.sleep(4)
        old = formation.primary().name
        formation.perform_failover()
        promoted = time.monotonic()
        new = formation.primary().name
        check(new != old, f"the failover did not move the primary ({old} -> {new})")
        taken = seconds_to_writes(pair, site, promoted)
        time.sleep(3)
        bookings = load.stop()
        won = check_bookings_kept(pair, site, bookings, "the planned failover", minimum=50)
        planned = (f"planned {old} -> {new}: {len(bookings)} bookings ({describe(b.answer for b in bookings)}), all "
                   f"{len(won)} acknowledged on the new primary, writes again after "
                   f"{', '.join(f'{t:.1f}' for t in taken)} s")

        # Then the primary is lost outright (keeper and Postgres killed) under the same load.
        formation.wait_for(lambda: sorted(formation.states().values()) == ["primary", "secondary"], 120,
                           "the old primary to rejoin as a secondary")
        load = BookingLoad(pair.nginx, site, referrals[len(bookings) + 10:], weekdays(40, first_offset=70)).start()
        time.sleep(4)
        lost = formation.primary().name
        formation.kill_node(lost)
        killed = time.monotonic()
        formation.wait_for(lambda: formation.primary().name != lost, 90, "the monitor to promote the standby")

        def promotion_done() -> bool:
            # Reported by the survivor itself: promoted, and synchronous replication to the lost
            # node switched off (until then a commit there waits for a standby that is gone).
            survivor = formation.primary().name
            return formation.states().get(survivor) in ("wait_primary", "primary")
        # The servers' 15 s count from the moment pg_auto_failover has finished the promotion.
        formation.wait_for(promotion_done, 60, "the promotion to finish")
        promoted = time.monotonic()
        taken = seconds_to_writes(pair, site, promoted)
        time.sleep(3)
        crashed = load.stop()
        won = check_bookings_kept(pair, site, crashed, "the crash failover", minimum=20)
        return (f"{planned}; crash of {lost}: promoted after {promoted - killed:.1f} s, {len(crashed)} bookings "
                f"({describe(b.answer for b in crashed)}), all {len(won)} acknowledged on the survivor, writes "
                f"again after {', '.join(f'{t:.1f}' for t in taken)} s; 0 double bookings")
    finally:
        if pair:
            pair.close()
        formation.destroy()


SCENARIOS = [bookings_behind_nginx, nginx_edges, kill9_behind_nginx, rolling_restart_behind_nginx, backup_wipe_restore,
             report_from_replica, failover_under_booking_load]


def main(argv: list[str]) -> int:
    return run_scenarios("deploy", SCENARIOS, argv, lambda scenario: scenario())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
