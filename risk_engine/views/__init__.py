"""Browser views of the risk engine: criteria pages, the builder, backtests, watch lists."""
