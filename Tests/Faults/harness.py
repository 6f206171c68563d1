"""What the fault tests drive: a private PostgreSQL cluster, `clinic serve` processes and a load.

Standard library only, so that the suite runs on a fresh machine with nothing but Python 3.
Every request opens its own connection and has its own timeout: a request that gets no answer
is recorded as unanswered, never waited on forever.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OWNER_ROLE = "clinic_owner"
APP_ROLE = "clinic_app"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> str:
    root = "/usr/lib/postgresql"
    versions = sorted((int(v) for v in os.listdir(root) if v.isdigit()), reverse=True) if os.path.isdir(root) else []
    for version in versions:
        if version >= 15 and os.path.exists(f"{root}/{version}/bin/pg_ctl"):
            return f"{root}/{version}/bin"
    raise SystemExit("faults: no PostgreSQL >= 15 under /usr/lib/postgresql (run: bash deploy/dev-cluster.sh ensure-postgres)")


def as_postgres(args: list[str]) -> list[str]:
    # initdb, pg_ctl and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--"] + args if os.geteuid() == 0 else args


class Cluster:
    """A throwaway PostgreSQL cluster with the owner/app role split, durable commits on."""

    def __init__(self) -> None:
        self.bin = pg_bin()
        self.dir = tempfile.mkdtemp(prefix="clinic-faults-")
        os.chmod(self.dir, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.port = free_port()
        subprocess.run(as_postgres([f"{self.bin}/initdb", "-D", self.data, "--auth=trust", "--username=postgres",
                                    "--encoding=UTF8", "--no-sync"]), check=True, capture_output=True, cwd="/")
        self.start()
        self.psql("postgres", f"CREATE ROLE {OWNER_ROLE} LOGIN; CREATE ROLE {APP_ROLE} LOGIN")
        self.psql("postgres", f"CREATE DATABASE clinic OWNER {OWNER_ROLE}")

    def url(self, role: str = APP_ROLE, database: str = "clinic") -> str:
        return f"postgres://{role}@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-l", self.log, *args]),
                       check=check, capture_output=True, cwd="/")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self.pg_ctl("-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-w", "-m", mode, "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def psql(self, database: str, sql: str, role: str = "postgres") -> str:
        result = subprocess.run([f"{self.bin}/psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                                 "-p", str(self.port), "-U", role, "-d", database, "-c", sql],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def destroy(self) -> None:
        self.pg_ctl("-m", "immediate", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def clinic_binary() -> str:
    path = os.environ.get("CLINIC_BINARY") or os.path.join(REPO, ".build", "debug", "clinic")
    if not os.access(path, os.X_OK):
        raise SystemExit(f"faults: {path} not found; build it first (swift build)")
    return path


def run_clinic(args: list[str], url: str, extra_env: dict[str, str] | None = None) -> str:
    env = dict(os.environ, DATABASE_URL=url, CLINIC_LOG_LEVEL="warning", **(extra_env or {}))
    result = subprocess.run([clinic_binary(), *args], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"clinic {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


class Server:
    """One `clinic serve` on a loopback port; its output goes to a log file."""

    def __init__(self, url: str, env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_path = tempfile.mktemp(prefix="clinic-serve-", suffix=".log")
        self.env = dict(os.environ, DATABASE_URL=url, CLINIC_LOG_LEVEL="warning", CLINIC_HTTP_PORT=str(self.port),
                        CLINIC_HTTP_HOST="127.0.0.1", **(env or {}))
        self.process: subprocess.Popen | None = None

    def start(self) -> "Server":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([clinic_binary(), "serve"], env=self.env, stdout=log, stderr=log,
                                        stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited {self.process.returncode}: {self.output()[-2000:]}")
            try:
                if request("GET", self.port, "/health", timeout=1).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not become healthy: {self.output()[-2000:]}")

    def signal(self, sig: int) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)

    def wait(self, timeout: float) -> int | None:
        """The exit status, or None when it is still running after `timeout` seconds."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def rss_kib(self) -> int:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def output(self) -> str:
        try:
            with open(self.log_path, errors="replace") as log:
                return log.read()
        except OSError:
            return ""


@dataclass
class Answer:
    status: int | None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    elapsed: float = 0.0

    def json(self):
        return json.loads(self.body)


def request(method: str, port: int, path: str, body: bytes | str | None = None, token: str | None = None,
            headers: dict[str, str] | None = None, timeout: float = 30, tls: ssl.SSLContext | None = None) -> Answer:
    """One request on its own connection (HTTPS checked against `tls` when given). Raises OSError
    when the connection itself fails."""
    started = time.monotonic()
    connection = (http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls) if tls
                  else http.client.HTTPConnection("127.0.0.1", port, timeout=timeout))
    try:
        all_headers = {"Connection": "close", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            all_headers.setdefault("Content-Type", "application/json")
        connection.request(method, path, body=body.encode() if isinstance(body, str) else body, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, data, {k.lower(): v for k, v in response.getheaders()},
                      elapsed=time.monotonic() - started)
    finally:
        connection.close()


def attempt(method: str, port: int, path: str, **kwargs) -> Answer:
    """Like `request`, but a failed connection is an Answer with no status and the error named."""
    started = time.monotonic()
    try:
        return request(method, port, path, **kwargs)
    except socket.timeout:
        return Answer(None, error="timeout: no answer", elapsed=time.monotonic() - started)
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, error=f"{type(error).__name__}: {error}", elapsed=time.monotonic() - started)


def referral_body(clinic_id: str, mrn: str) -> str:
    """The suite's clinical example: a 68-year-old with an L1 wedge fracture, 30% height loss, STIR edema."""
    return json.dumps({
        "clinicId": clinic_id,
        "patient": {"mrn": mrn, "givenName": "Eleanor", "familyName": "Whitfield", "birthDate": "1958-03-14", "sex": "female"},
        "referringClinician": {"name": "Dr. Samuel Ortiz", "npi": "1234567893"},
        "reason": "L1 wedge fracture, 30% height loss, STIR edema on MRI; NRS 7 despite bracing.",
        "symptomOnset": "2026-10-30",
    })


@dataclass
class Sent:
    """One request the load made and what came back."""
    kind: str
    key: str | None
    started: float
    answer: Answer


class Load:
    """`workers` threads sending requests until stopped; every answer is kept."""

    def __init__(self, port: int, token: str, clinic_id: str, workers: int = 16, write_share: float = 0.5,
                 timeout: float = 30) -> None:
        self.port, self.token, self.clinic_id = port, token, clinic_id
        self.workers, self.write_share, self.timeout = workers, write_share, timeout
        self.sent: list[Sent] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.read_ids: list[str] = []

    def start(self) -> "Load":
        for index in range(self.workers):
            thread = threading.Thread(target=self._work, args=(index,), daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def _work(self, index: int) -> None:
        count = 0
        while not self.stopping.is_set():
            count += 1
            write = (count % 100) < self.write_share * 100
            started = time.monotonic()
            if write:
                key = f"faults-{uuid.uuid4()}"
                answer = attempt("POST", self.port, "/v1/referrals", body=referral_body(self.clinic_id, key[-20:]),
                                 token=self.token, headers={"Idempotency-Key": key}, timeout=self.timeout)
                self._keep(Sent("create", key, started, answer))
            else:
                answer = attempt("GET", self.port, "/v1/referrals?limit=5", token=self.token, timeout=self.timeout)
                self._keep(Sent("list", None, started, answer))
            if answer.status is None and not self.stopping.is_set():
                time.sleep(0.05)  # the server is gone: do not spin

    def _keep(self, sent: Sent) -> None:
        with self.lock:
            self.sent.append(sent)

    def stop(self) -> list[Sent]:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=self.timeout + 5)
        return self.sent


def summary(sent: list[Sent]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in sent:
        label = str(item.answer.status) if item.answer.status else (item.answer.error or "?").split(":")[0]
        counts[label] = counts.get(label, 0) + 1
    return dict(sorted(counts.items()))


class Failure(AssertionError):
    """A promise that did not hold (as opposed to a harness that broke)."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


def run_scenarios(suite: str, scenarios: list, argv: list[str], run) -> int:
    """Runs the scenarios `argv` names (all when it names none) one after another through
    `run(scenario)`, which returns the scenario's outcome line; prints ok, FAIL or ERROR for each
    and returns the exit status. `--list` prints the names."""
    if "--list" in argv:
        print("\n".join(s.__name__ for s in scenarios))
        return 0
    unknown = set(argv) - {s.__name__ for s in scenarios}
    if unknown:
        print(f"{suite}: unknown scenario(s) {', '.join(sorted(unknown))}; --list names them", file=sys.stderr)
        return 64
    chosen = [s for s in scenarios if not argv or s.__name__ in argv]
    failures = 0
    started = time.monotonic()
    for scenario in chosen:
        began = time.monotonic()
        try:
            outcome = run(scenario)
            print(f"ok    {scenario.__name__} ({time.monotonic() - began:.0f} s): {outcome}", flush=True)
        except Exception as error:  # a failed check or a broken harness: either fails the suite
            failures += 1
            kind = "FAIL" if isinstance(error, Failure) else "ERROR"
            print(f"{kind}  {scenario.__name__} ({time.monotonic() - began:.0f} s): {error}", flush=True)
            if not isinstance(error, Failure):
                traceback.print_exc()
    print(f"{suite}: {len(chosen) - failures} of {len(chosen)} scenarios passed in {time.monotonic() - started:.0f} s")
    return 1 if failures else 0
