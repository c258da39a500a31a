"""Unbound extension objects; create_app binds them."""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, inspect
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can drop and alter them (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The base of every model: ``class Event(Base)``, not ``db.Model``.

    ``db.Model`` is a variable to mypy, so models subclassing it are untyped; this class
    is the typed base. Flask-SQLAlchemy builds ``db.Model`` from this class's namespace, so
    both share this registry and metadata: ``db.create_all()``, ``db.metadata`` and
    Alembic see every model, whichever of the two it subclasses. What models give up from
    ``db.Model``: the legacy ``Model.query`` (not used) and ``__bind_key__`` (one
    database). Its ``__repr__`` is kept below.
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __repr__(self) -> str:  # as Flask-SQLAlchemy's Model: <Event 3>
        state = inspect(self)
        if state.transient:
            pk = f"(transient {id(self)})"
        elif state.pending:
            pk = f"(pending {id(self)})"
        else:
            pk = ", ".join(map(str, state.identity or ()))
        return f"<{type(self).__name__} {pk}>"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = Api()
