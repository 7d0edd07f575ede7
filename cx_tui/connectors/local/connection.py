"""The local connector's plumbing: its settings, the one open connection, and `_attempt`,
which runs work on the database and waits out a lock another program holds."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from cx_tui.connectors.base import Capability, Connector, NotFound, Unavailable
from cx_tui.connectors.kit.fields import FieldMap
from cx_tui.connectors.local import database
from cx_tui.connectors.local.options import (
    database_path,
    field_map,
    validate_dataset,
    validate_region,
)
from cx_tui.connectors.local.schema import ensure_schema, meta
from cx_tui.connectors.local.seed import seed_database
from cx_tui.models import SourceRef
from cx_tui.sqlite_files import is_busy, transaction

_T = TypeVar("_T")


class LocalBase(Connector):
    """What every part of `LocalConnector` stands on (see there for the arguments)."""

    def __init__(
        self, name: str, settings: Mapping[str, Any], *unused: Any, **ignored: Any
    ) -> None:
        # `secret` and `transport` are taken, as every connector takes them, and not used.
        super().__init__(name, settings, *unused, **ignored)
        self.path: Path = database_path(name, self.settings)
        dataset = self.settings.get("dataset")
        self.dataset: str | None = None if dataset is None else validate_dataset(dataset)
        region = self.settings.get("region")
        self._region_option: str | None = None if region is None else validate_region(region)
        self.fields: FieldMap = field_map(self.settings)
        default_region = self.settings.get("default_region")
        self._default_region: str | None = (
            None if not default_region else validate_region(default_region)
        )
        self._conn: sqlite3.Connection | None = None
        self._seed_region: str | None = None
        # `cx-tui demo reset` only touches sources with a dataset; others get another way out.
        self._fix: str = database.RESET_HINT if self.dataset is not None else database.MOVE_HINT

    @property
    def offered(self) -> Capability:
        """A database seeded as the demo CRM opens no tickets: in the demo it plays the CRM
        (HubSpot's part, which opens none either), and tickets are opened in the helpdesk."""
        if self.dataset == "crm":
            return self.capabilities & ~Capability.CREATE_TICKET
        return self.capabilities

    @property
    def region(self) -> str | None:
        """The region used for stored numbers without a country code (see the `region` option)."""
        return self._region_option or self._default_region or self._seed_region

    # --- Connection ----------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        path = self.path
        database.prepare_directory(path)
        if not database.has_content(path, self._fix):
            database.create_file(path)
        conn = database.connect(path, "rw", fix=self._fix)
        try:
            if database.schema_is_empty(conn, path, self._fix):
                with transaction(conn):
                    ensure_schema(conn)
            if (
                self.dataset is not None
                and meta(conn, "seeded_at") is None
                and not conn.execute("SELECT EXISTS (SELECT 1 FROM people)").fetchone()[0]
            ):
                seed_database(conn, self.dataset, datetime.now(UTC), region=self._region_option)
            self._seed_region = meta(conn, "region")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            conn.close()
            if is_busy(exc):
                raise database.busy(path) from exc
            raise database.unusable(
                path, f"it is not a usable SQLite database ({exc})", self._fix
            ) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    async def _attempt(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run `work` on the database, trying again while another program holds it locked.

        `work` must be safe to repeat: reads, or writes inside one `_transaction` (rolled back
        when the lock is not granted).

        Raises:
            DatabaseBusy: still locked after `BUSY_WAIT` seconds.
            Unavailable: the database file cannot be used.
        """
        loop = asyncio.get_running_loop()
        give_up = loop.time() + database.BUSY_WAIT
        while True:
            try:
                with self._using() as conn:
                    return work(conn)
            except database.DatabaseBusy:
                if loop.time() + database.BUSY_PAUSE > give_up:
                    raise
            await asyncio.sleep(database.BUSY_PAUSE)

    @contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        conn = self._db()
        try:
            yield conn
        except sqlite3.Error as exc:
            if is_busy(exc):
                raise database.busy(self.path) from exc
            raise Unavailable(
                f"The local database {self.path} failed: {exc}. The file was left untouched; "
                "if this repeats, run `cx-tui connectors` to check it.",
                title="Local database error",
            ) from exc

    def _ref(self, record_id: str, fetched_at: datetime | None = None) -> SourceRef:
        return SourceRef(connector=self.name, record_id=record_id, fetched_at=fetched_at)


def row_id(ref: SourceRef, what: str) -> int:
    """The row id of a record of this connector.

    Raises:
        NotFound: the id is not a number, so there is no such `what`.
    """
    try:
        return int(ref.record_id)
    except ValueError:
        raise NotFound(f"There is no {what} {ref.record_id!r} in {ref.connector}.") from None
