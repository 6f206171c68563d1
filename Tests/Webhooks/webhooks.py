#!/usr/bin/env python3
"""The webhook tests: the real `clinic serve` on loopback, one PostgreSQL cluster of its own, and a
receiver of our own (a threaded http.server on 127.0.0.1) that checks every delivery the way a
clinic's system would: the HMAC-SHA256 signature with the subscription's secret, a timestamp within
five minutes, the body equal to the change feed's event, de-duplication on Clinic-Webhook-Id.

Changes are made as a clinic makes them: referrals of older patients with osteoporotic vertebral
compression fractures (a 68-year-old with an L1 wedge fracture, ...), evaluations booked at the
first free time and cancelled. What the receiver saw is compared with `GET /v1/changes`.

The server runs with short webhook pacing (retry after 0.2 s doubling to 0.5 s, paused after 4
failures in a row, 2 s timeout). Every wait is bounded; every process started is stopped.

Standard library only. Usage: webhooks.py [SCENARIO ...]   (default: all; --list names them)
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Faults"))
from harness import (OWNER_ROLE, Answer, Cluster, Failure, Server, check, clinic_binary, request,  # noqa: E402
                     run_clinic, run_scenarios)

WEBHOOK_ENV = {
    "CLINIC_WEBHOOK_RETRY_DELAY": "0.2",
    "CLINIC_WEBHOOK_MAX_DELAY": "0.5",
    "CLINIC_WEBHOOK_PAUSE_AFTER": "4",
    "CLINIC_WEBHOOK_TIMEOUT": "2",
    # A killed server's subscriptions are taken over when its lease runs out: short here.
    "CLINIC_WEBHOOK_LEASE": "5",
}
PAUSE_AFTER = 4
RETRY_DELAYS = (0.2, 0.4, 0.5)  # after the 1st, 2nd and 3rd failure: doubling, capped at 0.5 s
TIMESTAMP_TOLERANCE = 300  # seconds
WAIT = 30  # the longest any ordinary wait may take, in seconds
# After kill -9 the dead server's lease on the subscription (60 s from its last recorded attempt,
# WebhookPolicy.lease, not configurable) has to run out before another server delivers for it.
LEASE_SECONDS = 60

# Patients referred for kyphoplasty: (given, family, birth date, sex, reason, clinical flags).
PATIENTS = [
    ("Eleanor", "Whitfield", "1958-03-14", "female",
     "A 68-year-old with an acute L1 wedge compression fracture, 30% height loss, STIR edema on MRI; NRS 7 despite bracing.",
     {"knownOsteoporosis": True, "severePain": True}),
    ("Harold", "Brennan", "1949-07-02", "male",
     "T12 compression fracture after a fall from standing, 25% anterior height loss, marrow edema on STIR.",
     {"knownOsteoporosis": True}),
    ("Margaret", "Okafor", "1952-11-20", "female",
     "L2 osteoporotic fracture with 40% anterior height loss; on prednisone for COPD for six years.",
     {"longTermSteroids": True}),
    ("Dolores", "Jaramillo", "1944-01-09", "female",
     "T11 wedge fracture seen on chest radiograph, back pain for three weeks, wants to avoid opioids.",
     {}),
    ("Walter", "Lindqvist", "1956-05-28", "male",
     "L3 wedge fracture lifting a grandchild, 20% height loss, pain 8/10 on standing.",
     {"severePain": True}),
]


# --- the installation ----------------------------------------------------------------------------

class Installation:
    """A migrated database, a network-wide admin token, and one server with fast webhook pacing."""

    def __init__(self) -> None:
        self.servers: list[Server] = []
        self.cluster = Cluster()
        try:
            self.url = self.cluster.url()
            run_clinic(["migrate"], self.cluster.url(OWNER_ROLE))
            self.admin = self.token("admin", "--all-clinics")
            self.server = self.start_server()
        except BaseException:
            self.close()
            raise

    def token(self, role: str, *scope: str) -> str:
        return run_clinic(["token", "create", "--role", role, "--name", f"webhooks {role} {uuid.uuid4().hex[:6]}",
                           *scope], self.url).strip().splitlines()[-1]

    def start_server(self) -> Server:
        server = Server(self.url, env=WEBHOOK_ENV)
        self.servers.append(server)  # kept before start: a server that fails to come up is still stopped
        return server.start()

    @property
    def port(self) -> int:
        return self.server.port

    def close(self) -> None:
        for server in self.servers:
            server.kill()
        self.cluster.destroy()


ENV: Installation


def api(method: str, path: str, body=None, token: str | None = None, port: int | None = None,
        headers: dict | None = None) -> Answer:
    data = json.dumps(body) if isinstance(body, (dict, list)) else body
    return request(method, port or ENV.port, path, body=data, token=token or ENV.admin, headers=headers, timeout=15)


def expect(answer: Answer, status: int, label: str):
    check(answer.status == status, f"{label}: HTTP {answer.status}, expected {status}: {answer.body[:400]!r}")
    return answer.json() if answer.body else None


def wait_for(condition, what: str, timeout: float = WAIT, every: float = 0.05):
    """Polls `condition` until it returns something truthy (returned); a Failure naming `what` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"after {timeout:.0f} s: {what}")
        time.sleep(every)


# --- the clinic ----------------------------------------------------------------------------------

@dataclass
class Clinic:
    id: str
    name: str
    scheduler: str


def new_clinic(name: str) -> Clinic:
    """A clinic in Denver open 07:00-17:00 every day, with one procedure room, proceduralist,
    evaluator and consult room on the same hours, and a scheduler token for it."""
    week = range(1, 8)
    clinic = expect(api("POST", "/v1/clinics", {
        "name": f"{name} {uuid.uuid4().hex[:4]}", "timeZone": "America/Denver",
        "hours": [{"weekday": day, "opens": "07:00", "closes": "17:00"} for day in week],
    }), 201, "POST /v1/clinics")
    for kind, label in (("procedure_room", "Procedure Room A"), ("proceduralist", "Dr. Priya Raman"),
                        ("evaluator", "Dana Kowalski, NP"), ("consult_room", "Consult 2")):
        resource = expect(api("POST", f"/v1/clinics/{clinic['id']}/resources", {"kind": kind, "name": label}),
                          201, f"POST /v1/clinics/{{id}}/resources {kind}")
        expect(api("PUT", f"/v1/resources/{resource['id']}/availability-template",
                   {"windows": [{"weekday": day, "starts": "07:00", "ends": "17:00"} for day in week]}),
               200, f"PUT availability-template {kind}")
    return Clinic(clinic["id"], clinic["name"], ENV.token("scheduler", "--clinic", clinic["id"]))


def refer(clinic: Clinic, index: int, port: int | None = None) -> dict:
    """A referral (referral.created, referral.triaged) of the index-th patient of PATIENTS (cycled)."""
    given, family, birth, sex, reason, flags = PATIENTS[index % len(PATIENTS)]
    answer = api("POST", "/v1/referrals", {
        "clinicId": clinic.id,
        "patient": {"mrn": f"FRSC-{uuid.uuid4().hex[:10].upper()}", "givenName": given, "familyName": family,
                    "birthDate": birth, "sex": sex},
        "referringClinician": {"name": "Dr. Samuel Ortiz", "npi": "1234567893"},
        "reason": reason,
        "symptomOnset": time.strftime("%Y-%m-%d", time.gmtime(time.time() - 20 * 86400)),
        "clinicalFlags": flags,
    }, token=clinic.scheduler, port=port, headers={"Idempotency-Key": str(uuid.uuid4())})
    referral = expect(answer, 201, "POST /v1/referrals")
    check(referral["status"] == "triaged", f"new referral for {given} {family}: status {referral['status']!r}")
    return referral


def book_evaluation(clinic: Clinic, referral: dict, port: int | None = None) -> dict:
    """The first free evaluation (appointment.booked, referral.evaluation_scheduled)."""
    for _ in range(5):  # another booking may take the time between the look and the booking
        free = expect(api("GET", f"/v1/availability?referralId={referral['id']}&kind=evaluation&limit=1",
                          token=clinic.scheduler, port=port), 200, "GET /v1/availability")
        check(free["items"], f"no free evaluation time for referral {referral['id']}")
        answer = api("POST", "/v1/appointments", {"referralId": referral["id"], "kind": "evaluation",
                                                  "start": free["items"][0]["start"]},
                     token=clinic.scheduler, port=port, headers={"Idempotency-Key": str(uuid.uuid4())})
        if answer.status != 409:
            return expect(answer, 201, "POST /v1/appointments")
    raise Failure(f"booking an evaluation for {referral['id']}: 409 five times: {answer.body[:300]!r}")


def cancel(clinic: Clinic, appointment: dict, port: int | None = None) -> dict:
    """appointment.cancelled (and the referral's booking released)."""
    return expect(api("POST", f"/v1/appointments/{appointment['id']}/cancel",
                      {"reason": "Patient admitted to hospital with pneumonia; will call to rebook."},
                      token=clinic.scheduler, port=port), 200, "POST /v1/appointments/{id}/cancel")


def feed(clinic: Clinic, after: int = 0) -> list[dict]:
    """Every event of the clinic in the change feed after `after`, walked page by page."""
    events: list[dict] = []
    while True:
        page = expect(api("GET", f"/v1/changes?after={after}&limit=1000"), 200, "GET /v1/changes")
        events += [e for e in page["items"] if e["clinicId"] == clinic.id]
        check(page["next"] >= after, f"/v1/changes next {page['next']} went back from after={after}")
        if not page["items"]:
            return events
        after = page["next"]


def feed_position() -> int:
    """The feed's last position now."""
    after = 0
    while True:
        page = expect(api("GET", f"/v1/changes?after={after}&limit=1000"), 200, "GET /v1/changes")
        if not page["items"]:
            return after
        after = page["next"]


# --- the receiver --------------------------------------------------------------------------------

def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> str | None:
    """None when the delivery is authentic: signed with `secret` over "<timestamp>.<body>", the
    timestamp within five minutes of now; otherwise what is wrong."""
    timestamp = headers.get("clinic-webhook-timestamp", "")
    given = headers.get("clinic-webhook-signature", "")
    if not timestamp.isdigit():
        return f"timestamp {timestamp!r} is not Unix seconds"
    if abs((now or time.time()) - int(timestamp)) > TIMESTAMP_TOLERANCE:
        return f"timestamp {timestamp} is more than {TIMESTAMP_TOLERANCE} s from now"
    if not hmac.compare_digest(given, signature(secret, timestamp, body)):
        return f"signature {given[:20]}... does not match"
    return None


def sender_pid(client_port: int, receiver_port: int) -> int | None:
    """Which of the suite's servers holds the other end of a receiver's connection (read from
    /proc/net/tcp and the servers' open files); None when not found."""
    wanted = (f"0100007F:{client_port:04X}", f"0100007F:{receiver_port:04X}")
    inode = None
    try:
        with open("/proc/net/tcp") as table:
            for line in table:
                fields = line.split()
                if (fields[1], fields[2]) == wanted:
                    inode = fields[9]
                    break
        if inode is None:
            return None
        for server in ENV.servers:
            process = server.process
            if process is None or process.poll() is not None:
                continue
            for fd in os.listdir(f"/proc/{process.pid}/fd"):
                try:
                    if os.readlink(f"/proc/{process.pid}/fd/{fd}") == f"socket:[{inode}]":
                        return process.pid
                except OSError:
                    continue
    except (OSError, NameError):
        return None
    return None


@dataclass
class Delivery:
    """One request the receiver got and what it answered."""
    at: float
    headers: dict[str, str]
    body: bytes
    status: int
    problem: str | None  # why the signature or timestamp did not verify
    sender: int | None = None  # the pid of the server that sent it

    @property
    def event_id(self) -> str:
        return self.headers.get("clinic-webhook-id", "")

    @property
    def attempt(self) -> int:
        return int(self.headers.get("clinic-webhook-attempt", "0"))

    @property
    def event(self) -> dict:
        return json.loads(self.body)

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Receiver:
    """A clinic's webhook endpoint on 127.0.0.1 (port 0): verifies each request with `secret`,
    answers `status` after `delay` seconds (401 to one that does not verify), keeps them all."""
    status: int = 200
    delay: float = 0.0
    secret: str | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    in_handler: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                receiver.in_handler.set()
                sender = sender_pid(self.client_address[1], self.server.server_address[1])
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    secret, status, delay = receiver.secret, receiver.status, receiver.delay
                problem = verify(secret, headers, body) if secret else "no secret yet"
                if delay:
                    time.sleep(delay)
                answer = 401 if problem else status
                with receiver.lock:  # recorded before answering: a server killed now has still sent it
                    receiver.deliveries.append(Delivery(time.time(), headers, body, answer, problem, sender))
                receiver.in_handler.clear()
                payload = b'{"received":true}' if 200 <= answer < 300 else b'{"error":"unavailable"}'
                try:
                    self.send_response(answer)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the server went away while we slept

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/clinic-events"

    def set(self, **changes) -> None:
        with self.lock:
            for name, value in changes.items():
                setattr(self, name, value)

    def all(self) -> list[Delivery]:
        with self.lock:
            return list(self.deliveries)

    def accepted(self) -> list[Delivery]:
        return [d for d in self.all() if d.accepted]

    def unique_ids(self) -> set[str]:
        return {d.event_id for d in self.accepted()}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def subscribe(receiver: Receiver, clinic: Clinic, event_types: list[str] | None = None, port: int | None = None) -> dict:
    body = {"url": receiver.url, "clinicIds": [clinic.id],
            "description": f"EHR inbound interface for {clinic.name}"}
    if event_types is not None:
        body["eventTypes"] = event_types
    created = expect(api("POST", "/v1/webhooks", body, port=port), 201, "POST /v1/webhooks")
    check(str(created.get("secret", "")).startswith("whsec_"), f"no secret in the 201 answer: {created}")
    check(created["state"] == "active" and created["clinicIds"] == [clinic.id], f"new subscription {created}")
    receiver.set(secret=created["secret"])
    again = expect(api("GET", f"/v1/webhooks/{created['id']}"), 200, "GET /v1/webhooks/{id}")
    check("secret" not in again, "GET /v1/webhooks/{id} answers the secret")
    return created


def unsubscribe(subscription: dict | None) -> None:
    if subscription:
        try:
            api("DELETE", f"/v1/webhooks/{subscription['id']}")
        except OSError:
            pass


@contextlib.contextmanager
def subscribed(receiver: Receiver, clinic: Clinic, event_types: list[str] | None = None):
    """A subscription of `receiver` to `clinic` for the block's length: unsubscribed and the
    receiver closed afterwards, whatever the block did."""
    subscription = None
    try:
        subscription = subscribe(receiver, clinic, event_types)
        yield subscription
    finally:
        unsubscribe(subscription)
        receiver.close()


def webhook(subscription: dict) -> dict:
    return expect(api("GET", f"/v1/webhooks/{subscription['id']}"), 200, "GET /v1/webhooks/{id}")


def delivery_log(subscription: dict) -> list[dict]:
    return expect(api("GET", f"/v1/webhooks/{subscription['id']}/deliveries?limit=100"), 200,
                  "GET /v1/webhooks/{id}/deliveries")["items"]


# --- what every delivery must satisfy ------------------------------------------------------------

def check_authentic(receiver: Receiver) -> None:
    """Every request verified (signature and timestamp) and its headers agree with its body."""
    for delivery in receiver.all():
        check(delivery.problem is None, f"delivery of {delivery.event_id or '?'} did not verify: {delivery.problem}")
        event = delivery.event
        check(delivery.event_id == event["id"], f"Clinic-Webhook-Id {delivery.event_id} but body id {event['id']}")
        check(delivery.headers.get("clinic-webhook-type") == event["type"],
              f"Clinic-Webhook-Type {delivery.headers.get('clinic-webhook-type')} but body type {event['type']}")
        check(delivery.attempt >= 1, f"Clinic-Webhook-Attempt {delivery.headers.get('clinic-webhook-attempt')!r}")
        check(delivery.headers.get("content-type", "").startswith("application/json"),
              f"Content-Type {delivery.headers.get('content-type')!r}")


def check_matches_feed(receiver: Receiver, expected: list[dict], label: str) -> None:
    """De-duplicated by Clinic-Webhook-Id, the accepted deliveries are exactly the feed's events,
    each body equal to the feed's event."""
    got = {d.event_id: d.event for d in receiver.accepted()}
    want = {e["id"]: e for e in expected}
    missing = [f"{e['position']}:{e['type']}" for e in expected if e["id"] not in got]
    extra = [f"{got[i]['position']}:{got[i]['type']}" for i in got if i not in want]
    check(not missing and not extra, f"{label}: {len(missing)} feed events never delivered {missing[:8]}, "
                                     f"{len(extra)} delivered that are not in the feed {extra[:8]}")
    for event_id, event in want.items():
        check(got[event_id] == event, f"{label}: the delivered body differs from the feed's event:\n"
                                      f"  delivered {got[event_id]}\n  feed      {event}")


def check_order(receiver: Receiver, label: str, duplicates_allowed: bool) -> int:
    """Accepted deliveries in feed order: each referral's in strictly increasing position, and (the
    promise per subscription) the whole stream too. With duplicates allowed (after a crash) a
    repeat of an event already delivered is set aside first. Returns the number of repeats."""
    seen: set[str] = set()
    last_by_referral: dict[str, int] = {}
    last = 0
    repeats = 0
    for delivery in receiver.accepted():
        event = delivery.event
        if event["id"] in seen:
            check(duplicates_allowed, f"{label}: event {event['position']} {event['type']} delivered twice")
            repeats += 1
            continue
        seen.add(event["id"])
        previous = last_by_referral.get(event["referralId"], 0)
        check(event["position"] > previous,
              f"{label}: referral {event['referralId'][:8]} got position {event['position']} ({event['type']}) "
              f"after {previous}")
        check(event["position"] > last, f"{label}: position {event['position']} delivered after {last}")
        last_by_referral[event["referralId"]] = event["position"]
        last = event["position"]
    return repeats


def wait_delivered(receiver: Receiver, expected: list[dict], timeout: float = WAIT) -> None:
    want = {e["id"] for e in expected}
    wait_for(lambda: want <= receiver.unique_ids(),
             f"{len(want - receiver.unique_ids())} of {len(want)} feed events still not delivered; the receiver "
             f"got {len(receiver.all())} requests ({len(receiver.unique_ids())} distinct events accepted)", timeout)


# --- the scenarios -------------------------------------------------------------------------------

def every_event_of_five_referrals_arrives_signed_and_in_order() -> str:
    """Five patients referred, each evaluation booked and then cancelled: the receiver gets every
    feed event of the clinic, signed, in feed order, and nothing else."""
    clinic = new_clinic("Front Range Spine Center")
    receiver = Receiver()
    with subscribed(receiver, clinic) as subscription:
        start = feed_position()
        check(subscription["deliveredThrough"] <= start, f"deliveredThrough {subscription['deliveredThrough']} > {start}")
        for index in range(5):
            referral = refer(clinic, index)
            cancel(clinic, book_evaluation(clinic, referral))
        events = feed(clinic, start)
        per_referral: dict[str, list[str]] = {}
        for event in events:
            per_referral.setdefault(event["referralId"], []).append(event["type"])
        check(len(per_referral) == 5, f"the feed has events of {len(per_referral)} referrals, expected 5")
        needed = {"referral.created", "referral.triaged", "appointment.booked", "referral.evaluation_scheduled",
                  "appointment.cancelled"}
        for referral_id, types in per_referral.items():
            check(needed <= set(types), f"referral {referral_id[:8]} feed events {types} lack {needed - set(types)}")
        wait_delivered(receiver, events)
        time.sleep(0.5)  # anything extra would arrive now
        check_authentic(receiver)
        check_matches_feed(receiver, events, "five referrals")
        check_order(receiver, "five referrals", duplicates_allowed=False)
        check(len(receiver.accepted()) == len(events),
              f"{len(receiver.accepted())} deliveries accepted for {len(events)} events (no failure, so no repeat expected)")
        log = delivery_log(subscription)
        check(len(log) == len(events) and all(d["outcome"] == "delivered" and d["attempt"] == 1 for d in log),
              f"delivery log: {len(log)} rows, outcomes {sorted({d['outcome'] for d in log})}")
        check([d["position"] for d in log] == sorted((e["position"] for e in events), reverse=True),
              "the delivery log is not newest first, one row per event")
        state = wait_for(lambda: (s := webhook(subscription))["backlog"] == 0 and s, "backlog never reached 0")
        check(state["deliveredThrough"] == events[-1]["position"],
              f"deliveredThrough {state['deliveredThrough']}, last event {events[-1]['position']}")
        return (f"{len(events)} events of 5 referrals ({', '.join(sorted(set(sum(per_referral.values(), []))))}) "
                f"each delivered once, verified, bodies equal to the feed, in feed order; log {len(log)} rows")


def a_booked_only_subscription_receives_only_bookings() -> str:
    """eventTypes ["appointment.booked"]: three patients booked (one then cancelled); only the
    three appointment.booked events arrive, and the subscription moves past the rest."""
    clinic = new_clinic("Mesa Vertebral Clinic")
    receiver = Receiver()
    with subscribed(receiver, clinic, ["appointment.booked"]) as subscription:
        check(subscription["eventTypes"] == ["appointment.booked"], f"eventTypes {subscription['eventTypes']}")
        start = feed_position()
        appointments = [book_evaluation(clinic, refer(clinic, index)) for index in range(3)]
        cancel(clinic, appointments[0])
        events = feed(clinic, start)
        booked = [e for e in events if e["type"] == "appointment.booked"]
        check(len(booked) == 3, f"{len(booked)} appointment.booked events in the feed, expected 3")
        wait_delivered(receiver, booked)
        wait_for(lambda: webhook(subscription)["deliveredThrough"] >= events[-1]["position"],
                 f"deliveredThrough never reached the clinic's last event {events[-1]['position']}")
        time.sleep(0.5)
        check_authentic(receiver)
        types = sorted({d.event["type"] for d in receiver.all()})
        check(types == ["appointment.booked"], f"the receiver got types {types}")
        check_matches_feed(receiver, booked, "appointment.booked only")
        check_order(receiver, "appointment.booked only", duplicates_allowed=False)
        typed = expect(api("GET", f"/v1/changes?after={start}&type=appointment.booked&limit=1000"), 200,
                       "GET /v1/changes?type=appointment.booked")["items"]
        check([e["id"] for e in typed if e["clinicId"] == clinic.id] == [e["id"] for e in booked],
              "the feed filtered by type disagrees with the feed filtered here")
        state = webhook(subscription)
        check(state["backlog"] == 0, f"backlog {state['backlog']} after every booking was delivered")
        return (f"{len(booked)} of {len(events)} feed events were appointment.booked; exactly those arrived; "
                f"deliveredThrough moved to {state['deliveredThrough']} past the others")


def an_unavailable_receiver_is_retried_then_paused_and_resumed_in_order() -> str:
    """The clinic's EHR interface answers 503 while two patients are referred: the first event is
    retried with attempts 1..4 and growing delays, nothing after it is sent, the subscription is
    paused with the last error; once the interface is back and the subscription resumed, all four
    events arrive in order."""
    clinic = new_clinic("Cherry Creek Spine")
    receiver = Receiver(status=503)
    with subscribed(receiver, clinic) as subscription:
        start = feed_position()
        refer(clinic, 0)
        refer(clinic, 1)
        events = feed(clinic, start)
        check(len(events) == 4, f"{len(events)} feed events for two new referrals, expected 4: "
                                f"{[e['type'] for e in events]}")
        paused = wait_for(lambda: (s := webhook(subscription))["state"] == "paused" and s,
                          f"the subscription never paused; the receiver got {len(receiver.all())} requests")
        time.sleep(1.0)  # a paused subscription sends nothing more
        tries = receiver.all()
        check(len(tries) == PAUSE_AFTER, f"{len(tries)} requests before the pause, expected {PAUSE_AFTER}")
        check({d.event_id for d in tries} == {events[0]["id"]},
              f"while failing, events {sorted({d.event['position'] for d in tries})} were sent; expected only the "
              f"first ({events[0]['position']}): later events must wait")
        check([d.attempt for d in tries] == list(range(1, PAUSE_AFTER + 1)),
              f"Clinic-Webhook-Attempt {[d.attempt for d in tries]}, expected 1..{PAUSE_AFTER}")
        gaps = [round(b.at - a.at, 3) for a, b in zip(tries, tries[1:])]
        check(all(gap >= delay - 0.05 for gap, delay in zip(gaps, RETRY_DELAYS)),
              f"retries {gaps} s apart, expected at least {list(RETRY_DELAYS)} (0.2 s doubling, capped at 0.5 s)")
        check_authentic(receiver)
        check("503" in (paused.get("lastError") or "") and "503" in (paused.get("pausedReason") or ""),
              f"paused: lastError {paused.get('lastError')!r}, pausedReason {paused.get('pausedReason')!r}")
        check(paused["consecutiveFailures"] == PAUSE_AFTER, f"consecutiveFailures {paused['consecutiveFailures']}")
        check(paused["backlog"] == 4, f"backlog {paused['backlog']} while paused, expected the 4 waiting events")
        log = delivery_log(subscription)
        check([(d["attempt"], d["outcome"], d.get("statusCode"), d["eventId"]) for d in log]
              == [(n, "failed", 503, events[0]["id"]) for n in range(PAUSE_AFTER, 0, -1)],
              f"delivery log {[(d['attempt'], d['outcome'], d.get('statusCode'), d['position']) for d in log]}, "
              f"expected attempts {PAUSE_AFTER}..1 failed with 503 for position {events[0]['position']}")

        receiver.set(status=200)
        resumed = expect(api("POST", f"/v1/webhooks/{subscription['id']}/resume"), 200, "POST /v1/webhooks/{id}/resume")
        check(resumed["state"] == "active" and resumed["consecutiveFailures"] == 0 and "pausedReason" not in resumed,
              f"after resume: {resumed}")
        wait_delivered(receiver, events)
        time.sleep(0.5)
        check_authentic(receiver)
        check_matches_feed(receiver, events, "after resume")
        check_order(receiver, "after resume", duplicates_allowed=False)
        after = receiver.all()[PAUSE_AFTER:]
        check([d.event["position"] for d in after] == [e["position"] for e in events],
              f"after resume the receiver got positions {[d.event['position'] for d in after]}, "
              f"expected {[e['position'] for e in events]}")
        check(after[0].attempt == 1, f"the failed event's first attempt after resume is numbered {after[0].attempt}")
        log = delivery_log(subscription)
        delivered = [d for d in log if d["outcome"] == "delivered"]
        check(len(delivered) == 4 and len(log) == PAUSE_AFTER + 4, f"delivery log {len(log)} rows, {len(delivered)} delivered")
        state = webhook(subscription)
        check(state["state"] == "active" and state["backlog"] == 0 and "lastError" not in state,
              f"after the deliveries: state {state['state']}, backlog {state['backlog']}, lastError {state.get('lastError')!r}")
        return (f"attempts 1..{PAUSE_AFTER} of position {events[0]['position']} answered 503, {gaps} s apart; paused "
                f"({paused['pausedReason']!r}) with nothing later sent; after resume the 4 events arrived in order")


def a_receiver_slower_than_the_timeout_gets_the_event_again() -> str:
    """The EHR interface takes 3 s to answer (the server waits 2): the attempt is logged as failed
    with no status, the event is sent again, and once the interface is quick it is delivered and
    the next one follows; de-duplicated, the receiver has the feed's events in order."""
    clinic = new_clinic("Lakewood Spine Institute")
    receiver = Receiver(delay=3.0)
    with subscribed(receiver, clinic) as subscription:
        start = feed_position()
        refer(clinic, 2)
        events = feed(clinic, start)
        check(len(events) == 2, f"{len(events)} feed events for a new referral, expected 2")
        timed_out = wait_for(lambda: [d for d in delivery_log(subscription) if d["outcome"] == "failed"],
                             "no failed attempt logged for a receiver slower than the 2 s timeout", timeout=10)[-1]
        receiver.set(delay=0.0)
        check(timed_out["eventId"] == events[0]["id"] and timed_out.get("statusCode") is None
              and timed_out.get("error") and 1900 <= timed_out["durationMs"] < 3000,
              f"the timed-out attempt is logged as {timed_out}")
        wait_delivered(receiver, events)
        time.sleep(1.0)  # the late answers of slow attempts still in the receiver land now
        check_authentic(receiver)
        check_matches_feed(receiver, events, "after the timeout")
        repeats = check_order(receiver, "after the timeout", duplicates_allowed=True)
        check(repeats >= 1, "the timed-out event was never sent again")
        state = webhook(subscription)
        check(state["state"] == "active" and state["backlog"] == 0, f"state {state['state']}, backlog {state['backlog']}")
        return (f"attempt 1 logged failed after {timed_out['durationMs']} ms, no status ({timed_out['error'][:60]!r}); "
                f"sent again ({repeats} repeat(s), de-duplicated by id), then both events in order")


def a_server_killed_mid_delivery_loses_no_event() -> str:
    """Thirty patients referred while the receiver answers slowly (50 ms); the server is killed with
    SIGKILL while a delivery is in flight; a new server on the same database delivers the rest:
    every feed event arrives at least once, and de-duplicated by id, in feed order per referral."""
    clinic = new_clinic("Pikes Peak Vertebral Augmentation")
    receiver = Receiver(delay=0.05)
    with subscribed(receiver, clinic) as subscription:
        start = feed_position()
        errors: list[str] = []

        def make(indices: range) -> None:
            try:
                for index in indices:
                    refer(clinic, index)
            except Exception as error:  # noqa: BLE001 (reported below)
                errors.append(str(error))

        makers = [threading.Thread(target=make, args=(range(n, 30, 5),)) for n in range(5)]
        for thread in makers:
            thread.start()
        for thread in makers:
            thread.join(timeout=WAIT)
        check(not errors and not any(t.is_alive() for t in makers), f"making the referrals: {errors[:3]}")
        events = feed(clinic, start)
        check(len(events) == 60, f"{len(events)} feed events for 30 referrals, expected 60")
        wait_for(lambda: len(receiver.accepted()) >= 10, "fewer than 10 events delivered before the kill")
        check(len(receiver.unique_ids()) < len(events), "every event was delivered before the kill: nothing in flight")
        wait_for(receiver.in_handler.is_set, "no delivery in flight to kill the server under", timeout=5, every=0.002)
        killed = ENV.server
        killed.kill()  # SIGKILL, while the receiver holds a delivery
        before = len(receiver.unique_ids())
        ENV.server = ENV.start_server()
        started = time.monotonic()
        wait_delivered(receiver, events, timeout=LEASE_SECONDS + WAIT)
        took = time.monotonic() - started
        time.sleep(0.5)
        check_authentic(receiver)
        check_matches_feed(receiver, events, "across the kill")
        repeats = check_order(receiver, "across the kill", duplicates_allowed=True)
        return (f"killed with {before} of {len(events)} events delivered; the new server delivered the rest in "
                f"{took:.0f} s (the dead server's lease runs out first); {repeats} repeated, de-duplicated by id; "
                f"in feed order")


def two_servers_deliver_each_event_once() -> str:
    """Two servers on one database, changes made through both, two subscriptions: every event is
    delivered, and none twice (one server at a time holds a subscription's lease)."""
    clinic = new_clinic("Boulder Spine and Pain")
    receivers = [Receiver(delay=0.01), Receiver()]
    subscriptions: list[dict] = []
    second = None
    try:
        second = ENV.start_server()
        subscriptions = [subscribe(r, clinic, port=p) for r, p in zip(receivers, (ENV.port, second.port))]
        start = feed_position()
        for index in range(8):
            port = (ENV.port, second.port)[index % 2]
            appointment = book_evaluation(clinic, refer(clinic, index, port=port), port=port)
            if index % 4 == 0:
                cancel(clinic, appointment, port=(ENV.port, second.port)[(index + 1) % 2])
        events = feed(clinic, start)
        for receiver in receivers:
            wait_delivered(receiver, events)
        time.sleep(1.5)  # a second delivery by the other server would come now
        duplicates = []
        for number, receiver in enumerate(receivers, start=1):
            check_authentic(receiver)
            check_matches_feed(receiver, events, f"subscription {number}")
            ids = [d.event_id for d in receiver.accepted()]
            duplicates.append(len(ids) - len(set(ids)))
            check(not [d for d in receiver.all() if not d.accepted], f"subscription {number}: a refused delivery")
        check(duplicates == [0, 0], f"duplicates per subscription {duplicates}, expected none without a crash")
        for number, receiver in enumerate(receivers, start=1):
            check_order(receiver, f"subscription {number}", duplicates_allowed=False)
        pids = {ENV.server.process.pid: "server 1", second.process.pid: "server 2"}
        senders = [{name: sum(d.sender == pid for d in r.accepted()) for pid, name in pids.items()} for r in receivers]
        return (f"{len(events)} events to each of 2 subscriptions through 2 servers; duplicates {duplicates}; in feed "
                f"order; sent by {senders}")
    finally:
        for subscription in subscriptions:
            unsubscribe(subscription)
        for receiver in receivers:
            receiver.close()
        if second:
            second.kill()


def a_wrong_secret_does_not_verify() -> str:
    """The receiver's verifier is not a rubber stamp: a real delivery verifies with its own secret
    and not with another subscription's, a wrong one, a changed body or an old timestamp."""
    clinic = new_clinic("Aurora Osteoporosis Center")
    receiver = Receiver()
    other_receiver = Receiver()
    subscription = other = None
    try:
        subscription = subscribe(receiver, clinic)
        other = subscribe(other_receiver, new_clinic("Aurora Satellite"))
        check(other["secret"] != subscription["secret"], "two subscriptions have the same secret")
        refer(clinic, 0)
        wait_for(lambda: receiver.accepted(), "the referral's first event never arrived")
        delivery = receiver.accepted()[0]
        headers, body, secret = delivery.headers, delivery.body, subscription["secret"]
        check(verify(secret, headers, body) is None, "a real delivery does not verify with its secret")
        check(verify(other["secret"], headers, body) is not None, "another subscription's secret verifies it")
        check(verify(secret[:-1] + ("0" if secret[-1] != "0" else "1"), headers, body) is not None,
              "a secret one character off verifies it")
        check(verify(secret, headers, body.replace(b'"referral.', b'"referral.x')) is not None, "a changed body verifies")
        check(verify(secret, headers, body, now=int(headers["clinic-webhook-timestamp"]) + 301) is not None,
              "a timestamp 301 s old verifies")
        stale = dict(headers, **{"clinic-webhook-timestamp": str(int(headers["clinic-webhook-timestamp"]) - 1)})
        check(verify(secret, stale, body) is not None, "the signature verifies with another timestamp")
        # And the receiver itself refuses such a request with 401, as a clinic's endpoint would.
        receiver.set(secret=other["secret"])
        refer(clinic, 1)
        refused = wait_for(lambda: [d for d in receiver.all() if d.status == 401], "no delivery was refused")
        check(refused[0].problem and "signature" in refused[0].problem, f"refused for {refused[0].problem!r}")
        return (f"verified with its secret ({headers['clinic-webhook-signature'][:12]}...); refused with another "
                f"subscription's, a changed one, a changed body, a stale or altered timestamp")
    finally:
        unsubscribe(subscription)
        unsubscribe(other)
        receiver.close()
        other_receiver.close()


SCENARIOS = [
    every_event_of_five_referrals_arrives_signed_and_in_order,
    a_booked_only_subscription_receives_only_bookings,
    an_unavailable_receiver_is_retried_then_paused_and_resumed_in_order,
    a_receiver_slower_than_the_timeout_gets_the_event_again,
    a_server_killed_mid_delivery_loses_no_event,
    two_servers_deliver_each_event_once,
    a_wrong_secret_does_not_verify,
]


def snapshot_binary() -> str:
    """A private copy of the server binary for the whole run (CLINIC_BINARY points at it), so that a
    rebuild of .build/debug/clinic meanwhile (Text file busy, or a newer server for the second
    half) cannot touch the suite; copied again until the copy runs. Returns its folder."""
    folder = tempfile.mkdtemp(prefix="clinic-webhooks-bin-")
    copy = os.path.join(folder, "clinic")
    for _ in range(12):
        try:
            shutil.copy2(clinic_binary(), copy)
            if subprocess.run([copy, "--help"], capture_output=True, timeout=30).returncode == 0:
                os.environ["CLINIC_BINARY"] = copy
                return folder
        except (OSError, subprocess.SubprocessError):
            pass
        time.sleep(10)  # the binary is being linked again
    shutil.rmtree(folder, ignore_errors=True)
    raise SystemExit(f"webhooks: could not take a working copy of {clinic_binary()}")


def main(argv: list[str]) -> int:
    global ENV
    names = {s.__name__ for s in SCENARIOS}
    if "--list" in argv or set(argv) - names:  # answered before anything is started
        return run_scenarios("webhooks", SCENARIOS, argv, lambda scenario: scenario())
    snapshot = snapshot_binary()
    try:
        ENV = Installation()
    except BaseException:
        shutil.rmtree(snapshot, ignore_errors=True)
        raise
    status = 1
    try:
        status = run_scenarios("webhooks", SCENARIOS, argv, lambda scenario: scenario())
        levels = ("error", "critical")
        for server in ENV.servers:
            errors = [line for line in server.output().splitlines() if line.split(" ", 2)[1:2]
                      and line.split(" ", 2)[1] in levels]
            if errors:
                print(f"webhooks: the server on port {server.port} logged errors:\n  " + "\n  ".join(errors[:20]))
    finally:
        ENV.close()
        shutil.rmtree(snapshot, ignore_errors=True)
        for server in ENV.servers:  # the servers' logs are kept only when something failed
            if status:
                print(f"webhooks: the log of the server on port {server.port}: {server.log_path}")
            elif os.path.exists(server.log_path):
                os.remove(server.log_path)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
