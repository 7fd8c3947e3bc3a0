"""docker-compose.yml as issue 17 asks: stateless web and workers that `--scale` can multiply, one beat,
and a consumer for every queue (screening, backtests, training). No Docker daemon is needed to read it."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def queues_of(service: dict) -> set[str]:
    command = service.get("command") or []
    if "worker" not in command:
        return set()
    at = command.index("--queues") if "--queues" in command else None
    return set(command[at + 1].split(",")) if at is not None else {"celery"}


def test_every_queue_has_a_worker_service_of_its_own():
    wanted = {settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_BACKTEST_QUEUE, settings.CELERY_TRAINING_QUEUE}
    consumers = {name: queues_of(service) for name, service in services().items() if queues_of(service)}
    assert set().union(*consumers.values()) == wanted
    for queue in wanted:  # one service per queue: each scales on its own
        assert sum(queue in served for served in consumers.values()) == 1, queue
    assert consumers["worker"] == {settings.CELERY_TASK_DEFAULT_QUEUE}  # screening shares with no heavy job


def test_web_replicas_have_no_host_port_and_sit_behind_the_proxy():
    web, proxy = services()["web"], services()["proxy"]
    assert "ports" not in web  # two replicas could not both bind the host's port
    assert proxy["ports"] == ["8000:8000"]
    mounted = proxy["volumes"][0].split(":")[0]
    config = (ROOT / mounted).read_text()
    assert "server web:8000;" in config and "proxy_pass http://crms_web;" in config


def test_one_beat_and_no_service_keeps_state_on_its_own_disk():
    defined = services()
    assert sum("beat" in (service.get("command") or []) for service in defined.values()) == 1
    stateful = {name for name, service in defined.items() if service.get("volumes") and name != "proxy"}
    assert stateful == {"postgres", "redis"}
