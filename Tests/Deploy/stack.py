"""What the deployment tests run: nginx from deploy/nginx/clinic.conf in front of `clinic serve`
instances, a streaming replica, the backup scripts, and a pg_auto_failover formation, all on
127.0.0.1 in temporary folders. Standard library only; builds on Tests/Faults/harness.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Faults"))
from harness import (APP_ROLE, OWNER_ROLE, REPO, Answer, Cluster, Failure, Server, as_postgres,  # noqa: E402,F401
                     attempt, check, free_port, pg_bin, request, run_clinic, run_scenarios)


def owned_tempdir(prefix: str) -> str:
    """A temporary folder the postgres OS user may use (PostgreSQL refuses to run as root)."""
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o755)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


# --- nginx -------------------------------------------------------------------------------------

class Nginx:
    """nginx running deploy/nginx/clinic.conf, with the upstream, ports and paths of this test."""

    def __init__(self, upstream_ports: list[int]) -> None:
        self.dir = tempfile.mkdtemp(prefix="clinic-nginx-")
        os.chmod(self.dir, 0o755)
        self.https_port, self.http_port = free_port(), free_port()
        tls = os.path.join(self.dir, "tls")
        subprocess.run(["bash", os.path.join(REPO, "deploy", "nginx", "make-example-cert.sh"), tls, "localhost"],
                       check=True, capture_output=True)
        os.chmod(os.path.join(tls, "clinic.key"), 0o644)  # the worker may run as nobody
        self.ca = os.path.join(tls, "ca.crt")
        site = self.render(open(os.path.join(REPO, "deploy", "nginx", "clinic.conf")).read(), upstream_ports, tls)
        with open(os.path.join(self.dir, "clinic.conf"), "w") as f:
            f.write(site)
        # The shared snippet as it is: nothing in it depends on the host.
        os.makedirs(os.path.join(self.dir, "snippets"))
        shutil.copy(os.path.join(REPO, "deploy", "nginx", "clinic-api.conf"), os.path.join(self.dir, "snippets"))
        temp = os.path.join(self.dir, "temp")
        os.makedirs(temp)
        os.chmod(temp, 0o777)
        user = "user root root;\n" if os.geteuid() == 0 else ""
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(f"""{user}worker_processes 2;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.dir}/clinic.conf;
}}
""")
        self.process: subprocess.Popen | None = None
        self.context = ssl.create_default_context(cafile=self.ca)

    @staticmethod
    def render(site: str, upstream_ports: list[int], tls: str) -> str:
        """The production file with only what differs here changed: each change must apply once."""
        def once(pattern: str, replacement: str, text: str) -> str:
            changed, count = re.subn(pattern, replacement, text, flags=re.M)
            if count != 1:
                raise RuntimeError(f"deploy/nginx/clinic.conf: expected one match of {pattern!r}, found {count}")
            return changed
        servers = "".join(f"    server 127.0.0.1:{port} max_fails=2 fail_timeout=5s;\n" for port in upstream_ports)
        site = once(r"^    server 127\.0\.0\.1:8081 .*\n    server 127\.0\.0\.1:8082 .*\n", servers, site)
        site = once(r"^    listen 80;$", "    listen 127.0.0.1:{http};", site)
        site = once(r"^    listen \[::\]:80;\n", "", site)
        site = once(r"^    listen 443 ssl http2;$", "    listen 127.0.0.1:{https} ssl http2;", site)
        site = once(r"^    listen \[::\]:443 ssl http2;\n", "", site)
        site = site.replace("/etc/nginx/tls", tls)
        site = once(r"/var/log/nginx/clinic\.access\.log", "{dir}/access.log", site)
        return site

    def start(self) -> "Nginx":
        path = os.path.join(self.dir, "clinic.conf")
        text = open(path).read().replace("{http}", str(self.http_port)).replace("{https}", str(self.https_port))
        with open(path, "w") as f:
            f.write(text.replace("{dir}", self.dir))
        test = subprocess.run(self.command("-t"), capture_output=True, text=True)
        if test.returncode != 0:
            raise RuntimeError(f"nginx -t failed: {test.stderr}")
        self.process = subprocess.Popen(self.command("-g", "daemon off;"), stdout=subprocess.DEVNULL,
                                        stderr=open(os.path.join(self.dir, "stderr.log"), "ab"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen: {self.error_log()}")

    def command(self, *args: str) -> list[str]:
        return ["/usr/sbin/nginx", "-p", self.dir, "-c", os.path.join(self.dir, "nginx.conf"), *args]

    def error_log(self) -> str:
        try:
            return open(os.path.join(self.dir, "error.log")).read()[-3000:]
        except OSError:
            return ""

    def access_log(self) -> list[str]:
        try:
            return open(os.path.join(self.dir, "access.log")).read().splitlines()
        except OSError:
            return []

    def logged(self, text: str, within: float = 2.0) -> bool:
        """Whether an access log line has `text`; nginx writes the line just after the response
        has gone out, so the client may be a moment ahead of it."""
        deadline = time.monotonic() + within
        while True:
            if any(text in line for line in self.access_log()):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def request(self, method: str, path: str, body: str | bytes | None = None, token: str | None = None,
                headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
        """One HTTPS request through nginx on its own connection, the certificate checked; a
        connection that fails is an Answer without a status."""
        return attempt(method, self.https_port, path, body=body, token=token, headers=headers, timeout=timeout,
                       tls=self.context)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- a streaming replica -----------------------------------------------------------------------

class Replica(Cluster):
    """A hot standby of `primary`, made with pg_basebackup and streaming from it; otherwise run
    like any test cluster (start, stop, psql, destroy)."""

    def __init__(self, primary: Cluster) -> None:  # no initdb: the data directory is the primary's copy
        self.bin = primary.bin
        self.dir = owned_tempdir("clinic-replica-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.port = free_port()
        subprocess.run(as_postgres([f"{self.bin}/pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port),
                                    "-U", "postgres", "-D", self.data, "-R", "-X", "stream", "--checkpoint=fast"]),
                       check=True, capture_output=True, cwd="/")
        self.start()


# --- pg_auto_failover --------------------------------------------------------------------------

def pg_autoctl() -> str:
    path = shutil.which("pg_autoctl")
    if not path:
        raise SystemExit("deploy: pg_autoctl missing (run: bash deploy/dev-cluster.sh ensure-deploy-tools)")
    return path


@dataclass
class Keeper:
    """One `pg_autoctl ... --run` process: the monitor or a node, with its Postgres."""
    name: str
    pgdata: str
    port: int
    process: subprocess.Popen


class Formation:
    """A pg_auto_failover monitor and two Postgres nodes on loopback, synchronous replication on
    (pg_auto_failover's default with one standby), trust authentication (a test only)."""

    def __init__(self) -> None:
        self.dir = owned_tempdir("clinic-paf-")
        self.bin = pg_bin()
        self.keepers: dict[str, Keeper] = {}
        self.monitor: Keeper | None = None
        try:
            self.create()
        except BaseException:
            self.destroy()   # nothing of a half-made formation may outlive the test
            raise

    def create(self) -> None:
        monitor_port = free_port()
        # The monitor in two steps, since `create monitor` has no --listen: made (and stopped),
        # told to listen on loopback only, then run.
        monitor_data = os.path.join(self.dir, "monitor")
        self.autoctl("create", "monitor", "--pgdata", monitor_data, "--pgport", str(monitor_port), "--hostname",
                     "127.0.0.1", "--auth", "trust", "--no-ssl")
        self.autoctl("config", "set", "--pgdata", monitor_data, "postgresql.listen_addresses", "127.0.0.1")
        self.monitor = self.keeper("monitor", ["run"], monitor_port)
        self.monitor_uri = f"postgres://autoctl_node@127.0.0.1:{monitor_port}/pg_auto_failover?sslmode=disable"
        # Asked through SQL, not `pg_autoctl show`: a second pg_autoctl creating its state folders
        # at the same moment as the first makes one of them fail.
        self.wait_for(self.monitor_ready, 60, "the monitor to start")
        # Failures are noticed within a few seconds here, not the default 20 or more.
        self.monitor_sql("ALTER SYSTEM SET pgautofailover.health_check_period = 1000")
        self.monitor_sql("ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000")
        self.monitor_sql("ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1")
        self.monitor_sql("ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500")
        self.monitor_sql("ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 3000")
        # How long the monitor waits for a lost primary to demote itself before promoting the
        # standby: 30 s by default, against a primary cut off from the monitor but still running
        # (its keeper demotes it after network_partition_timeout). A test's dead primary is dead.
        self.monitor_sql("ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 5000")
        self.monitor_sql("SELECT pg_reload_conf()")
        for name in ("node1", "node2"):
            port = free_port()
            self.keepers[name] = self.keeper(name, [
                "create", "postgres", "--pgport", str(port), "--monitor", self.monitor_uri, "--name", name,
                "--dbname", "clinic"], port)
            # The first node runs alone ("single") until the second has joined as its standby.
            self.wait_for(lambda: self.joined(name), 120, f"{name} to join")
        self.wait_for(lambda: sorted(self.states().values()) == ["primary", "secondary"], 120,
                      "a primary and a secondary")

    def keeper(self, name: str, args: list[str], port: int) -> Keeper:
        pgdata = os.path.join(self.dir, name)
        log = open(os.path.join(self.dir, f"{name}.log"), "ab")
        env = dict(self.environment(), PGPORT=str(port))
        if args[0] == "create":
            # --listen: loopback only (pg_autoctl's default is every address).
            args = [*args, "--hostname", "127.0.0.1", "--listen", "127.0.0.1", "--auth", "trust", "--no-ssl", "--run"]
        command = as_postgres([pg_autoctl(), *args, "--pgdata", pgdata])
        process = subprocess.Popen(command, cwd="/", stdout=log, stderr=log, env=env, start_new_session=True)
        return Keeper(name, pgdata, port, process)

    def environment(self) -> dict[str, str]:
        # pg_autoctl keeps its state and configuration under the XDG folders: in this test's folder,
        # not the postgres user's home.
        return dict(os.environ, PG_CONFIG=f"{self.bin}/pg_config", XDG_CONFIG_HOME=f"{self.dir}/xdg-config",
                    XDG_DATA_HOME=f"{self.dir}/xdg-data", XDG_RUNTIME_DIR=f"{self.dir}/xdg-run")

    def autoctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = self.environment()
        return subprocess.run(as_postgres([pg_autoctl(), *args]), cwd="/", capture_output=True, text=True, env=env,
                              check=check)

    def monitor_sql(self, sql: str) -> str:
        return psql(self.monitor.port, "pg_auto_failover", sql, role="postgres", bin_dir=self.bin)

    def joined(self, name: str) -> bool:
        if self.states().get(name) in ("single", "primary", "secondary"):
            return True
        # The standby's pg_basebackup waits for a spread checkpoint on the primary (minutes on an
        # idle one); an immediate checkpoint ends the wait.
        if name != "node1":
            try:
                psql(self.keepers["node1"].port, "postgres", "CHECKPOINT", bin_dir=self.bin)
            except RuntimeError:
                pass
        return False

    def monitor_ready(self) -> bool:
        try:
            return self.monitor_sql("SELECT count(*) FROM pgautofailover.formation") != "0"
        except RuntimeError:
            return False

    def states(self) -> dict[str, str]:
        """Each node's current state as the monitor sees it."""
        try:
            rows = self.monitor_sql("SELECT nodename, reportedstate FROM pgautofailover.node")
        except RuntimeError:
            return {}
        return dict(line.split("|", 1) for line in rows.splitlines() if "|" in line)

    def primary(self) -> Keeper:
        """The node the monitor names primary now (also while it waits for a new standby)."""
        try:
            name = self.monitor_sql("SELECT primary_name FROM pgautofailover.get_primary('default', 0)")
        except RuntimeError as error:
            raise RuntimeError(f"no primary: {self.states()} ({error})")
        if name not in self.keepers:
            raise RuntimeError(f"no primary: {self.states()}")
        return self.keepers[name]

    def kill_node(self, name: str) -> None:
        """The node lost at once: its keeper and its Postgres killed (SIGKILL to the group)."""
        keeper = self.keepers[name]
        os.killpg(keeper.process.pid, signal.SIGKILL)
        keeper.process.wait()
        # A postmaster that outlived its keeper's group (it runs in a session of its own).
        subprocess.run(as_postgres([f"{self.bin}/pg_ctl", "-D", keeper.pgdata, "-m", "immediate", "stop"]),
                       cwd="/", capture_output=True)

    def uri(self) -> str:
        """The formation's multi-host URL, as the monitor prints it."""
        return self.autoctl("show", "uri", "--formation", "default", "--pgdata", self.monitor.pgdata).stdout.strip()

    def perform_failover(self) -> None:
        self.autoctl("perform", "failover", "--pgdata", self.monitor.pgdata, "--wait", "60")

    @staticmethod
    def wait_for(condition, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.25)
        raise RuntimeError(f"timed out waiting for {what}")

    def destroy(self) -> None:
        everyone = [*self.keepers.values(), *([self.monitor] if self.monitor else [])]
        for keeper in everyone:
            if keeper.process.poll() is None:
                try:
                    os.killpg(keeper.process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for keeper in everyone:
            try:
                keeper.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(keeper.process.pid, signal.SIGKILL)
        # A Postgres left behind by a killed keeper.
        for keeper in everyone:
            subprocess.run(as_postgres([f"{self.bin}/pg_ctl", "-D", keeper.pgdata, "-m", "immediate", "stop"]),
                           cwd="/", capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def psql(port: int, database: str, sql: str, role: str = "postgres", bin_dir: str | None = None) -> str:
    result = subprocess.run([f"{bin_dir or pg_bin()}/psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                             "-h", "127.0.0.1", "-p", str(port), "-U", role, "-d", database, "-c", sql],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def json_of(text: str):
    return json.loads(text) if text else None
