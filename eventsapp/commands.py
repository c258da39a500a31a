"""Command-line tasks: `flask --app wsgi <command>`."""
from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup


def register(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default="Administrator", help="Display name.")
    def create_admin(email: str, name: str) -> None:
        """Create an administrator (password from ADMIN_PASSWORD or asked for)."""
        from .auth import services
        from .errors import DomainError

        password = os.environ.get("ADMIN_PASSWORD") or click.prompt(
            "Password", hide_input=True, confirmation_prompt=True)
        existing = services.find_user_by_email(email)
        try:
            if existing:
                services.set_password(existing, password, make_admin=True)
                click.echo(f"{existing.email} is now an administrator (password updated).")
                return
            user = services.create_user(email, name, password, is_admin=True)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Administrator {user.email} created.")

    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--name", default="command line", help="What the token is for.")
    def create_token(email: str, name: str) -> None:
        """Create an API token for an account and print it once."""
        from .auth import services
        from .auth.schemas import ApiTokenSchema
        from .errors import DomainError
        from .inputs import load

        user = services.find_user_by_email(email)
        if user is None:
            raise click.ClickException(f"No account {email}.")
        try:
            data = load(ApiTokenSchema(), {"name": name})
        except DomainError as exc:
            raise click.ClickException(f"--name: {exc.fields.get('name', [exc.message])[0]}") \
                from exc
        _, plain = services.create_api_token(user, data["name"])
        click.echo(plain)

    @app.cli.command("demo")
    def demo() -> None:
        """Load the demo events (idempotent: running it twice changes nothing)."""
        from .demo import load_demo

        report = load_demo()
        click.echo(report)

    registration_cli = AppGroup("registration", help="Registration tasks.")

    @registration_cli.command("expire-offers")
    @click.option("--loop", is_flag=True, help="Keep running: expire due offers every --interval.")
    @click.option("--interval", default=60.0, show_default=True, help="Seconds between runs.")
    def expire_offers(loop: bool, interval: float) -> None:
        """Expire places offered from the waiting list that were not accepted in time,
        and offer them to the next person. Safe to run from several hosts at once (cron
        every minute, or one --loop service)."""
        from .registration.offers import run_expiry

        report = run_expiry(app, loop=loop, interval=interval)
        click.echo(f"Offers: {report}")

    @registration_cli.command("erase-visa-data")
    @click.option("--days", type=click.IntRange(min=0), default=None,
                  help="Events that ended at least this many days ago (default: the "
                       "VISA_ERASE_AFTER_DAYS setting, 0 = as soon as they end).")
    def erase_visa_data(days: int | None) -> None:
        """Erase the passport details of visa letter requests of events that are over.
        Safe to run again and again (cron, daily)."""
        from .registration.visa import erase_after_days, erase_after_events

        if days is None:
            days = erase_after_days(app.config.get("VISA_ERASE_AFTER_DAYS"))
        click.echo(f"Visa letter requests erased: {erase_after_events(days)}")

    app.cli.add_command(registration_cli)

    @app.cli.command("setup")
    @click.option("--demo-if-empty/--no-demo", default=True,
                  help="Load demo data when the database has no events.")
    def setup(demo_if_empty: bool) -> None:
        """Apply migrations, then load the demo data on the first run."""
        import sqlalchemy as sa
        from flask_migrate import upgrade

        from .extensions import db
        from .models import Event

        upgrade()
        if demo_if_empty and not db.session.scalar(sa.select(sa.func.count()).select_from(Event)):
            from .demo import load_demo

            click.echo(load_demo())
        else:
            click.echo("Database is up to date.")
