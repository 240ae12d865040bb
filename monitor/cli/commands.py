"""Import every command module so each registers its commands on the ``cli`` group."""

from monitor.cli import alerts, feeds, matching, reports, rules, run, trial, web  # noqa: F401
