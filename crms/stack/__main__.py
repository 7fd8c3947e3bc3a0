"""Local launcher behind ``make run``, ``make test`` and ``make bench``.

    python -m crms.stack run              # migrate, load data, start web + workers + beat
    python -m crms.stack test [ARGS...]   # run pytest against real Postgres and Redis
    python -m crms.stack manage CMD ...   # any manage.py command with the same environment

Embedded Postgres and Redis under ``./var/`` are used unless ``DATABASE_URL`` /
``REDIS_URL`` are set (docker-compose sets them).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from crms.stack.embedded import ensure_services
from crms.stack.secret import secret_key

ROOT = Path(__file__).resolve().parents[2]
VAR = Path(os.environ.get("CRMS_VAR_DIR", ROOT / "var"))
PYTHON = sys.executable
BIN = Path(PYTHON).parent
RESTARTS_PER_MINUTE = 3  # a child crashing more often than this stops `make run`


def _secret_key() -> str:
    return secret_key(VAR)


def run_defaults(environ: dict[str, str]) -> dict[str, str]:
    """``make run`` is production-like: DEBUG off, so errors are the designed pages (a technical 404 listed
    every URL pattern, a 500 the settings, database URL and source) and static files come hashed from
    ``collectstatic`` through WhiteNoise. Developers opt in with ``make run DEBUG=1``. It serves plain HTTP on
    loopback, so no HTTPS redirect or HTTPS-only cookies, and the loopback host names are allowed."""
    defaults = {"DEBUG": "false", "SECURE_HTTPS": "false", "ALLOWED_HOSTS": "localhost,127.0.0.1,[::1]"}
    return {name: environ.get(name, value) for name, value in defaults.items()}


def web_command(port: int, workers: str = "3") -> list[str]:
    """gunicorn as ``make run`` starts it. Request lines up to its maximum (8,190 bytes) reach the platform,
    which answers addresses over ``MAX_URL_LENGTH`` with its own 414 (JSON under /api/)."""
    return [
        str(BIN / "gunicorn"),
        "crms.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        workers,
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        "--limit-request-line",
        "8190",
    ]


def _environment(purpose: str) -> tuple[dict[str, str], list]:
    VAR.mkdir(parents=True, exist_ok=True)
    additions, started = ensure_services(VAR, purpose=purpose)
    env = {**os.environ, **additions}
    env.setdefault("DJANGO_SETTINGS_MODULE", "crms.settings")
    env.setdefault("CRMS_VAR_DIR", str(VAR))
    env.setdefault("SECRET_KEY", _secret_key())
    env.setdefault("PYTHONUNBUFFERED", "1")
    if purpose == "run":
        env.update(run_defaults(env))
    else:
        env.setdefault("DEBUG", "false")
        env.setdefault("SECURE_HTTPS", "false")
        env.setdefault("STATICFILES_MANIFEST", "false")
    return env, started


def _stop(services: list) -> None:
    for service in reversed(services):
        service.stop()


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)


def _port(preferred: int) -> int:
    for port in range(preferred, preferred + 50):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit(f"no free port between {preferred} and {preferred + 49}")


NICENESS = {"backtests": 10}  # backtests yield the CPU to screening and the web


def _start(name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
    niceness = NICENESS.get(name, 0)
    # Own session: Ctrl-C reaches only this launcher, which then stops the children in order.
    return subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=(lambda: os.nice(niceness)) if niceness else None,
    )


def run() -> int:
    env, services = _environment("run")
    children: list[tuple[str, subprocess.Popen]] = []
    try:
        print("Preparing the database (migrate, reference data, demo data)...", flush=True)
        _manage(env, "migrate", "--noinput")
        _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        _manage(env, "load_reference_data")
        _manage(env, "load_demo")
        port = _port(int(env.get("PORT", "8000")))
        commands = {
            "web": web_command(port, env.get("WEB_WORKERS", "3")),
            "worker": [
                str(BIN / "celery"),
                "-A",
                "crms",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                env.get("WORKER_CONCURRENCY", "2"),
                "--hostname",
                "worker@%h",
                "--queues",  # screening and the rest; never backtests (next)
                env.get("CELERY_QUEUE", "celery"),
            ],
            # Backtests on their own queue and process, niced, with their time limit (settings): a heavy
            # one never holds the screening worker (issue 13 point 4; tests/faults/test_backtest_isolation.py).
            "backtests": [
                str(BIN / "celery"),
                "-A",
                "crms",
                "worker",
                "--loglevel",
                "INFO",
                "--pool",
                "prefork",  # time limits need a pool process the worker can stop
                "--concurrency",
                env.get("BACKTEST_CONCURRENCY", "1"),
                "--hostname",
                "backtests@%h",
                "--queues",  # backtests and learning from history (two queues, one process on a small machine)
                ",".join((env.get("CELERY_BACKTEST_QUEUE", "backtests"), env.get("CELERY_TRAINING_QUEUE", "training"))),
            ],
            "beat": [
                str(BIN / "celery"),
                "-A",
                "crms",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(VAR / "celerybeat-schedule"),
            ],
        }
        for name in commands:
            children.append((name, _start(name, commands[name], env)))
        # The indicators' first refresh, once the demo ENS are screened: beat's first run is five minutes after
        # start, and until a refresh the dashboard has no figures to show (it says so).
        subprocess.run(
            [str(BIN / "celery"), "-A", "crms", "call", "indicators.refresh_recent", "--countdown", "90"],
            env=env,
            cwd=ROOT,
            check=False,
            stdout=subprocess.DEVNULL,
        )
        print(
            f"\n  CRMS is running at http://127.0.0.1:{port}/  (API docs: http://127.0.0.1:{port}/api/docs/)\n"
            f"  Log in as e.g. fr_analyst, nl_risk_manager, eu_commission_approver "
            f"(password: {env.get('DEMO_PASSWORD', 'demo-crms-2026')}); the full list is printed above.\n"
            f"  Data lives in {VAR}. Press Ctrl-C to stop.\n"
            + ("  DEBUG is on (make run DEBUG=1).\n" if env["DEBUG"].lower() in ("1", "true", "yes", "on") else ""),
            flush=True,
        )
        stopping = False

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        restarts: dict[str, list[float]] = {name: [] for name in commands}
        while not stopping:
            for index, (name, child) in enumerate(children):
                if child.poll() is None:
                    continue
                # A crashed process is started again (nothing is lost: tasks it held come back from
                # Redis, pending ENS from the sweeper); one that keeps crashing stops the platform.
                recent = [moment for moment in restarts[name] if moment > time.monotonic() - 60]
                if len(recent) >= RESTARTS_PER_MINUTE:
                    print(f"{name} exited with {child.returncode} again; stopping the platform.", flush=True)
                    stopping = True
                    break
                print(f"{name} exited with {child.returncode}; starting it again.", flush=True)
                restarts[name] = [*recent, time.monotonic()]
                children[index] = (name, _start(name, commands[name], env))
            time.sleep(0.5)
        return 0
    finally:
        print("Stopping web, beat and workers...", flush=True)
        for _name, child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for _name, child in children:
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
        _stop(services)
        print("Stopped.", flush=True)


def test(args: list[str]) -> int:
    env, services = _environment("test")
    try:
        return subprocess.run([PYTHON, "-m", "pytest", *args], env=env, cwd=ROOT).returncode
    finally:
        _stop(services)


def manage(args: list[str]) -> int:
    env, services = _environment("run")
    try:
        return subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT).returncode
    finally:
        _stop(services)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "manage"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        return run()
    if command == "test":
        return test(rest)
    return manage(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
