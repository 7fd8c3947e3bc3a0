"""The Celery application. Tasks are thin wrappers over services (see each app's ``tasks.py``)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crms.settings")


def _keep_workers_alive_when_redis_goes_away() -> None:
    """Work around a kombu (5.7) bug that made a worker exit when Redis went away while it held tasks.

    On a lost connection the worker tears the transport down, then closes its channel, which tries
    to put the tasks it holds (running ``acks_late`` ones, retries waiting for their countdown)
    back on the queue through the transport it just detached: ``AttributeError`` on
    ``conninfo.hostname``, "Unrecoverable error", the worker exits. Putting them back cannot work
    with Redis gone anyway; they are still in Redis' ``unacked`` hash, and kombu hands them out
    again after the visibility timeout (the fault tests prove it, ``tests/faults``).
    """
    from kombu.transport import redis

    restore_unacked = redis.QoS.restore_unacked

    def restore_unless_detached(self, client=None):
        if client is None and self.channel.connection.client is None:
            self._delivered.clear()  # redelivered from Redis after the visibility timeout
            return None
        return restore_unacked(self, client)

    redis.QoS.restore_unacked = restore_unless_detached


_keep_workers_alive_when_redis_goes_away()

app = Celery("crms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
def _settle_heap(**kwargs) -> None:
    """Each pool process, once forked and ready: start-up's objects out of the collector's walk."""
    from crms.core import heap

    heap.settle()
