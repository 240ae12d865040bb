"""Everything of watchlist with I/O and time: config, feeds, storage, status, pipeline,
alerts, the daemon (the only APScheduler import), reports and the command line."""

__version__ = "0.1.0"
