"""eventsapp: roundtables and annual meetings, from programme to pledges."""
from __future__ import annotations

import logging
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides settings read from the environment."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get(
        "EVENTSAPP_INSTANCE", os.path.join(root, "instance"))
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    app.config.update(config_module.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.load_secret_key(app.instance_path)

    os.makedirs(app.instance_path, exist_ok=True)  # the default SQLite file lives here

    trusted = int(app.config.get("TRUSTED_PROXIES") or 0)
    if trusted:
        # Flask's documented way to add WSGI middleware; mypy sees wsgi_app as a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)

    level = app.config.get("LOG_LEVEL", "INFO")
    logging.basicConfig(level=level if level in logging.getLevelNamesMapping() else "INFO")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # start-up chatter
    from .logmask import install_werkzeug_filter

    install_werkzeug_filter()  # the dev server's request log: no manage/join/feed secrets
    register_extensions(app)
    from .guards import register_guards

    register_guards(app)  # before the blueprints: it bounds the <int:...> converter
    from .i18n import init_app as init_i18n

    init_i18n(app)  # Flask-Babel, its Jinja helpers and the language switcher (POST /language)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (registers every table)
    from .extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    from .db_tx import configure_engine

    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    from .ratelimits import init_limiter

    init_limiter(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    from flask_babel import gettext

    from .i18n import N_

    # Flask-Login flashes it through localize_callback: in the visitor's language.
    login_manager.login_message = N_("Sign in to continue.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"

    from .auth.services import load_user_from_session_id
    login_manager.user_loader(load_user_from_session_id)

    from .security import register_security_headers
    register_security_headers(app)


def register_blueprints(app: Flask) -> None:
    from .api import register_api
    from .assets import bp as assets_bp
    from .auth.routes import bp as auth_bp
    from .console.routes import bp as console_bp
    from .events.routes import bp as events_bp
    from .health import bp as health_bp
    from .online.routes import bp as online_bp
    from .programme.routes_admin import bp as programme_admin_bp
    from .programme.routes_public import bp as programme_bp
    from .registration.routes import bp as registration_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    from .pledges.routes_manage import bp as pledges_manage_bp
    from .pledges.routes_public import bp as pledges_bp

    app.register_blueprint(pledges_bp)
    app.register_blueprint(pledges_manage_bp)
    app.register_blueprint(programme_bp)
    app.register_blueprint(programme_admin_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(online_bp)
    from .badges.routes import bp as badges_bp

    app.register_blueprint(badges_bp)
    register_api(app)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register_errorhandlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from .commands import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from . import countries, localefmt, timefmt
    from .assets import asset_url
    from .permissions import Need, can

    app.jinja_env.filters["event_time"] = timefmt.format_event_time
    app.jinja_env.filters["event_date"] = timefmt.format_event_date
    app.jinja_env.filters["event_day"] = timefmt.format_day
    app.jinja_env.filters["date_range"] = timefmt.format_date_range
    app.jinja_env.filters["event_span"] = timefmt.format_span
    localefmt.init_app(app)  # usd, usd_short, number, list_items, list_parts
    app.jinja_env.filters["country_name"] = countries.local_country_name
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["Need"] = Need
    app.jinja_env.globals["viewer_zone"] = timefmt.viewer_zone
    app.jinja_env.globals["asset_url"] = asset_url

    from . import nav
    nav.init_app(app)
    from . import forms_util

    forms_util.init_app(app)  # the error summary of re-rendered forms (base.html)
