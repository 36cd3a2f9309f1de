"""Appending to the audit log and checking its chain.

Each entry's hash is the SHA-256 of the previous entry's hash followed by the entry's
canonical content (sorted keys, ASCII, no spaces). Appends are serialized (an advisory lock
on PostgreSQL; SQLite's transactions here take the write lock when they begin), so the chain
never forks. An entry is written in the transaction of the change it records: a change rolled
back leaves no entry, and an entry never exists without its change.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.models import AuditEntry

GENESIS = "0" * 64
# pg_advisory_xact_lock's key for "the audit log's head".
_LOCK_KEY = 7_202_612_060

_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_suppressed: ContextVar[bool] = ContextVar("audit_suppressed", default=False)


class _Unset:
    pass


FROM_REQUEST = _Unset()


@contextmanager
def request_context(request: HttpRequest) -> Iterator[None]:
    """Entries recorded while the request is answered name its user and address."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


@contextmanager
def suppressed() -> Iterator[None]:
    """No entry per object inside (a bulk load records one entry of its own instead)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def _plain(value: Any) -> Any:
    """The value as JSON keeps it exactly: floats as text (a database's JSON type may write
    1e2 as 100), anything else JSON lacks as its text."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def canonical(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def content_of(entry: AuditEntry) -> dict[str, Any]:
    """What the hash covers: everything in the entry but the hashes themselves."""
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "address": entry.address,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "data": entry.data,
    }


def digest(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(content)).hexdigest()


def _lock_head() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _who(actor: AbstractBaseUser | AnonymousUser | _Unset | None) -> tuple[Any, str]:
    request = _request.get()
    if isinstance(actor, _Unset):
        actor = getattr(request, "user", None) if request is not None else None
    if actor is None or not actor.is_authenticated:
        return None, ""
    return actor, actor.get_username()


def record(
    action: str,
    *,
    obj: models.Model | None = None,
    data: Mapping[str, Any] | None = None,
    actor: AbstractBaseUser | AnonymousUser | _Unset | None = FROM_REQUEST,
) -> AuditEntry | None:
    """Append one entry (``actor`` None: the system's own step, or a visitor not signed in;
    by default the user of the request being answered, if any)."""
    if _suppressed.get():
        return None
    user, name = _who(actor)
    request = _request.get()
    address = (request.META.get("REMOTE_ADDR") or "")[:45] if request is not None else ""
    with transaction.atomic():
        _lock_head()
        head = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
        entry = AuditEntry(
            seq=seq,
            at=timezone.now(),
            actor=user,
            actor_name=name,
            address=address,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            data=_plain(dict(data or {})),
            prev_hash=prev_hash,
        )
        entry.hash = digest(prev_hash, content_of(entry))
        entry.save(force_insert=True)
    return entry


def record_many(
    action: str,
    entries: Iterable[tuple[models.Model | None, Mapping[str, Any]]],
    *,
    actor: AbstractBaseUser | AnonymousUser | _Unset | None = FROM_REQUEST,
) -> list[AuditEntry]:
    """Append one entry per (object, data) of ``entries``, in order, as :func:`record` would
    one by one, but reading the head once and writing them in one insert (a bulk import)."""
    if _suppressed.get():
        return []
    user, name = _who(actor)
    request = _request.get()
    address = (request.META.get("REMOTE_ADDR") or "")[:45] if request is not None else ""
    made: list[AuditEntry] = []
    with transaction.atomic():
        _lock_head()
        head = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
        for obj, data in entries:
            entry = AuditEntry(
                seq=seq,
                at=timezone.now(),
                actor=user,
                actor_name=name,
                address=address,
                action=action,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                data=_plain(dict(data)),
                prev_hash=prev_hash,
            )
            entry.hash = digest(prev_hash, content_of(entry))
            made.append(entry)
            seq, prev_hash = seq + 1, entry.hash
        AuditEntry.objects.bulk_create(made)
    return made


@dataclass(frozen=True)
class Verification:
    count: int
    head: str
    broken_at: int | None = None
    problem: str = ""
    head_seen: bool = False


def verify(expect_head: str = "") -> Verification:
    """Walk the chain from the first entry; stop at the first that does not hold."""
    count, prev_hash, seen = 0, GENESIS, False
    entries = AuditEntry.objects.order_by("seq")
    for entry in entries.iterator(chunk_size=2000):
        count += 1
        problem = ""
        if entry.seq != count:
            problem = f"its number should be {count}: an entry before it is missing"
        elif entry.prev_hash != prev_hash:
            problem = "it does not follow the entry before it (previous hash differs)"
        elif digest(prev_hash, content_of(entry)) != entry.hash:
            problem = "its content has changed since it was written (hash differs)"
        if problem:
            return Verification(count - 1, prev_hash, entry.seq, problem, seen)
        prev_hash = entry.hash
        seen = seen or entry.hash == expect_head
    return Verification(count, prev_hash, head_seen=seen)
