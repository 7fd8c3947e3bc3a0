"""A task goes through the real Redis broker to a real worker process and back."""

import pytest

from crms.core.tasks import ping


@pytest.mark.worker
def test_task_round_trips_through_broker_and_worker(celery_worker_process):
    result = ping.delay("hello-broker")
    answer = result.get(timeout=30)
    assert answer["echo"] == "hello-broker"
    assert celery_worker_process.poll() is None
