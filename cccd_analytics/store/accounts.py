"""User accounts (the rules are in cccd_analytics.auth) and the audit trail of who did what."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from cccd_analytics.store.errors import StoreError
from cccd_analytics.store.schema import audit_log, users
from cccd_analytics.store.sql import _audit, _now

if TYPE_CHECKING:
    import pandas as pd


class AccountsMixin:
    """Store methods for the audit trail and user accounts (mixed into `Store`)."""

    engine: sa.Engine

    # -- the audit trail ---------------------------------------------------------------
    def audit(self, action: str, username: str | None = None, **detail) -> None:
        with self.engine.begin() as conn:
            _audit(conn, action, username, **detail)

    def audit_entries(
        self,
        limit: int = 1000,
        *,
        action: str | Iterable[str] | None = None,
        username: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> pd.DataFrame:
        """Newest first; optionally only some actions, one user, or a time window [since, until)."""
        import pandas as pd

        query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if action:
            query = query.where(audit_log.c.action.in_([action] if isinstance(action, str) else list(action)))
        if username:
            query = query.where(audit_log.c.username == username)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if until is not None:
            query = query.where(audit_log.c.at < until)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def audit_actions(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(conn.scalars(sa.select(audit_log.c.action).distinct()))

    # -- user accounts (rules in cccd_analytics.auth) ----------------------------------------
    def get_user(self, username: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
        return dict(row) if row else None

    def user_records(self) -> list[dict]:
        """Every account without its password hash, by name, as plain rows (`list_users`
        as a frame)."""
        columns = [c for c in users.c if c.name != "password_hash"]
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(*columns).order_by(users.c.username)).mappings()]

    def list_users(self) -> pd.DataFrame:
        """Every account, without its password hash."""
        import pandas as pd

        columns = [c for c in users.c if c.name != "password_hash"]
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(*columns).order_by(users.c.username), conn)

    def count_active_users(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(users).where(users.c.active.is_(True))
            ).scalar_one()

    def add_user(
        self, username: str, role: str, password_hash: str | None, full_name: str | None = None
    ) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    users.insert().values(
                        username=username,
                        role=role,
                        password_hash=password_hash,
                        full_name=full_name,
                        active=True,
                        failed_attempts=0,
                        created_at=_now(),
                    )
                )
        except sa.exc.IntegrityError:
            raise StoreError(f"Đã có tài khoản «{username}».") from None

    def _update_user(self, username: str, **values) -> bool:
        with self.engine.begin() as conn:
            return (
                conn.execute(users.update().where(users.c.username == username).values(**values)).rowcount
                == 1
            )

    def set_password(self, username: str, password_hash: str) -> bool:
        """New hash; clears failed attempts and any lock."""
        return self._update_user(username, password_hash=password_hash, failed_attempts=0, locked_until=None)

    def set_user_active(self, username: str, active: bool) -> bool:
        return self._update_user(username, active=active, failed_attempts=0, locked_until=None)

    def set_user_role(self, username: str, role: str, full_name: str | None = None) -> bool:
        values = {"role": role} | ({"full_name": full_name} if full_name is not None else {})
        return self._update_user(username, **values)

    def record_login_failure(self, username: str) -> int:
        """Count one more wrong password (atomically); return the count in a row."""
        with self.engine.begin() as conn:
            conn.execute(
                users.update()
                .where(users.c.username == username)
                .values(failed_attempts=users.c.failed_attempts + 1)
            )
            return int(
                conn.scalar(sa.select(users.c.failed_attempts).where(users.c.username == username)) or 0
            )

    def lock_user(self, username: str, until: datetime) -> None:
        self._update_user(username, locked_until=until, failed_attempts=0)

    def record_login_success(self, username: str, when: datetime | None = None) -> None:
        self._update_user(username, failed_attempts=0, locked_until=None, last_login=when or _now())
