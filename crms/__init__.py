"""Customs risk management platform: project package and shared domain."""

from crms.celery import app as celery_app

__all__ = ["celery_app"]
