"""``python -m monitor.cli`` runs the command line."""

from monitor.cli import main

main()
