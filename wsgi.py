"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""
from eventsapp import create_app

app = create_app()
