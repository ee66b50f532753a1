# Stand-in for Robotoff's gunicorn.py: the settings the stack relies on.
import os

bind = ":5500"
workers = int(os.environ.get("GUNICORN_NUM_WORKERS", 4))
timeout = 60
