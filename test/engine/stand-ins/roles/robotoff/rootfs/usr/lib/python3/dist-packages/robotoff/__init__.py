"""Stand-in for Robotoff's 2026 package: `python -m robotoff run-worker|run-scheduler|run-update-listener` (see __main__.py)."""
