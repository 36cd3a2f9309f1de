"""Backups that restore: ``pg_dump -Fc`` of a database with assessments, summaries and decisions,
restored with ``pg_restore`` into an empty database, holds every row of every table, every
summary's hash, the audit log's chain and its append-only trigger; and a dump made at an older
migration state, restored, migrates cleanly to the code's schema.

The database is the demo data set (``manage.py seed_demo``: approved, returned, in-review and
draft assessments, their summaries and decisions), built by the real commands in scratch
databases next to the test database; the PostgreSQL client programs run as an operator runs
them.
"""

import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

from assessments.summaries import content_hash
from tests.conftest import cannot_run_here

pytestmark = pytest.mark.postgres

#: The earlier state a dump is made at: what comes after it is migrated forward on restore.
EARLIER_ASSESSMENTS_MIGRATION = "0013_protected_groups"
#: The tables the demo data must fill, or the round trip proves little.
FILLED = (
    "assessments_situation",
    "assessments_assessment",
    "assessments_indicatorrating",
    "assessments_evidencesource",
    "assessments_escalationsummary",
    "assessments_escalationdecision",
    "assessments_transition",
    "audit_auditentry",
    "auth_user",
    "framework_indicator",
)


def client_program(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        message = f"needs the PostgreSQL client program {name} on PATH"
        cannot_run_here(message)
    return found


class Server:
    """The PostgreSQL server of the test database, for scratch databases beside it."""

    def __init__(self) -> None:
        db = settings.DATABASES["default"]
        self.params = {
            "host": db.get("HOST") or "127.0.0.1",
            "port": str(db.get("PORT") or 5432),
            "user": db.get("USER") or "postgres",
        }
        self.password = db.get("PASSWORD") or ""
        self.prefix = f"{db['NAME']}_backup"
        self.made: list[str] = []

    def url(self, name: str) -> str:
        auth = self.params["user"] + (f":{self.password}" if self.password else "")
        return f"postgres://{auth}@{self.params['host']}:{self.params['port']}/{name}"

    def connect(self, name: str) -> psycopg.Connection[Any]:
        return psycopg.connect(dbname=name, password=self.password or None, **self.params)

    def create(self, suffix: str) -> str:
        name = f"{self.prefix}_{suffix}"
        self.drop(name)
        with self.connect("postgres") as conn:
            conn.autocommit = True
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.made.append(name)
        return name

    def drop(self, name: str) -> None:
        with self.connect("postgres") as conn:
            conn.autocommit = True
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def environment(self) -> dict[str, str]:
        env = {**os.environ, "PGHOST": self.params["host"], "PGPORT": self.params["port"]}
        env["PGUSER"] = self.params["user"]
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def dump(self, name: str, path: Path) -> None:
        run([client_program("pg_dump"), "-Fc", "-d", name, "-f", str(path)], self.environment())

    def restore(self, path: Path, name: str) -> None:
        run(
            [client_program("pg_restore"), "--exit-on-error", "--no-owner", "-d", name, str(path)],
            self.environment(),
        )

    def manage(self, name: str, *args: str, data_dir: Path) -> str:
        """``manage.py`` on database ``name``, as an operator runs it (its own process)."""
        env = {
            **os.environ,
            "DATABASE_URL": self.url(name),
            "DEBUG": "true",
            "R2P_ENV_FILE": os.devnull,
            "R2P_DATA_DIR": str(data_dir),
            # Whatever the commands queue stays in a folder of this test, not on the broker.
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_RESULT_BACKEND": f"file://{data_dir}",
            "DEMO_PASSWORD": "a-backup-test-password",
        }
        return run([sys.executable, "manage.py", *args], env)


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{command[0]} {command[1:3]} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def tables(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    return [row[0] for row in rows]


def contents(conn: psycopg.Connection[Any]) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows (in a fixed order)."""
    found = {}
    for table in tables(conn):
        query = sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
            "FROM {} AS t"
        ).format(sql.Identifier(table))
        count, digest = conn.execute(query).fetchone()  # type: ignore[misc]
        found[table] = (count, digest)
    return found


def sequences(conn: psycopg.Connection[Any]) -> dict[str, int | None]:
    rows = conn.execute("SELECT sequencename, last_value FROM pg_sequences").fetchall()
    return dict(rows)


def triggers(conn: psycopg.Connection[Any]) -> set[str]:
    rows = conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").fetchall()
    return {row[0] for row in rows}


def summaries_hold_their_hashes(conn: psycopg.Connection[Any]) -> int:
    """Recompute every ready summary's hash from its content (as first drafted, when kept)."""
    rows = conn.execute(
        "SELECT id, content, original_content, content_hash FROM assessments_escalationsummary "
        "WHERE status = 'ready'"
    ).fetchall()
    for pk, content, original, stored in rows:
        assert content_hash(original if original is not None else content) == stored, pk
    return len(rows)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    found = Server()
    yield found
    for name in found.made:
        found.drop(name)


@pytest.fixture(scope="module")
def demo_database(server: Server, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at the code's schema holding the demo data set, built by the commands."""
    data_dir = tmp_path_factory.mktemp("backup-source")
    name = server.create("source")
    server.manage(name, "migrate", "--noinput", data_dir=data_dir)
    server.manage(name, "load_framework", data_dir=data_dir)
    server.manage(name, "seed_demo", data_dir=data_dir)
    with server.connect(name) as conn:
        filled = contents(conn)
    empty = [table for table in FILLED if filled[table][0] == 0]
    assert not empty, f"the demo data left these tables empty: {empty}"
    return name


def test_a_restored_backup_holds_every_row_every_summary_hash_and_the_audit_chain(
    server: Server, demo_database: str, tmp_path: Path
):
    dump = tmp_path / "r2p.dump"
    server.dump(demo_database, dump)
    restored = server.create("restored")

    server.restore(dump, restored)

    with server.connect(demo_database) as source, server.connect(restored) as copy:
        assert tables(copy) == tables(source)
        assert contents(copy) == contents(source)
        assert sequences(copy) == sequences(source)
        assert "audit_entry_append_only" in triggers(copy)
        assert triggers(copy) == triggers(source)
        assert summaries_hold_their_hashes(copy) == summaries_hold_their_hashes(source) > 0
    # The audit log's hash chain holds in the copy, as the command an operator runs says.
    server.manage(restored, "verify_audit_log", data_dir=tmp_path)
    # And the copy is a working installation: nothing is left to migrate.
    server.manage(restored, "migrate", "--check", data_dir=tmp_path)


def test_a_backup_made_at_an_older_schema_restores_and_migrates_to_the_current_one(
    server: Server, demo_database: str, tmp_path: Path
):
    # An installation still at an earlier version of the code: the demo data, migrated back.
    older = server.create("older")
    head_dump = tmp_path / "head.dump"
    server.dump(demo_database, head_dump)
    server.restore(head_dump, older)
    server.manage(older, "migrate", "assessments", EARLIER_ASSESSMENTS_MIGRATION, data_dir=tmp_path)
    with server.connect(older) as conn:
        applied = conn.execute(
            "SELECT name FROM django_migrations WHERE app = 'assessments'"
        ).fetchall()
        assert max(row[0] for row in applied) == EARLIER_ASSESSMENTS_MIGRATION
    old_dump = tmp_path / "older.dump"
    server.dump(older, old_dump)
    upgraded = server.create("upgraded")

    server.restore(old_dump, upgraded)
    server.manage(upgraded, "migrate", "--noinput", data_dir=tmp_path)

    server.manage(upgraded, "migrate", "--check", data_dir=tmp_path)
    kept = (
        "assessments_situation",
        "assessments_assessment",
        "assessments_indicatorrating",
        "assessments_escalationsummary",
        "assessments_escalationdecision",
        "audit_auditentry",
    )
    with server.connect(demo_database) as source, server.connect(upgraded) as copy:
        assert tables(copy) == tables(source)
        before, after = contents(source), contents(copy)
        for table in kept:
            assert after[table] == before[table], table
        assert summaries_hold_their_hashes(copy) == summaries_hold_their_hashes(source)
    server.manage(upgraded, "verify_audit_log", data_dir=tmp_path)
