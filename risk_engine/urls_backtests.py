"""Backtest pages, relative to /criteria/ (included from the criteria URLs)."""

from django.urls import path

from risk_engine.views import backtests

urlpatterns = [
    path("<str:code>/backtests/", backtests.backtest_start, name="backtest-start"),
    path("<str:code>/backtests/latest/", backtests.backtest_latest_partial, name="backtest-latest"),
    path("<str:code>/backtests/<int:pk>/", backtests.backtest_detail, name="backtest-detail"),
    path("<str:code>/backtests/<int:pk>/progress/", backtests.backtest_progress, name="backtest-progress"),
]
