"""Backtests of a criterion version against stored history."""
