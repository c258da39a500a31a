"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app` (command-line flags win)."""
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Access log on stdout; the logger masks secret URL parts (manage, join, calendar and
# pledge update links) before anything is written: see eventsapp/logmask.py.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
logger_class = "eventsapp.logmask.GunicornLogger"
