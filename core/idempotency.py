"""
`Idempotency-Key` for requests that create something (placing an order, starting a payment).

The key is claimed as the first write of the request's own transaction. A concurrent request
with the same key waits on the unique index until the first one commits, then fails to claim and
answers with what the first made; a request that fails rolls its claim back with everything else,
so the client may retry with the same key.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from core.exceptions import ConflictError
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEEP_FOR = timedelta(days=7)


class IdempotencyKeyReused(ConflictError):
    default_detail = "This Idempotency-Key was used for a different request."
    default_code = "idempotency_key_reused"


class IdempotencyRace(Exception):
    """Another request claimed the key first; answer with its result (see `replay_of`)."""


@dataclass(frozen=True)
class Claim:
    scope: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class Replay:
    resource_id: int | None
    status: int


def claim_from_request(request, *, scope: str) -> Claim | None:
    """The request's key, or None when it sent none; a malformed key is a 400."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationError(
            [ErrorDetail(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.", code="invalid")]
        )
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    return Claim(scope=scope, key=key, fingerprint=hashlib.sha256(body.encode()).hexdigest())


def replay_of(*, user, claim: Claim) -> Replay | None:
    """What the first request with this key made, or None when the key is new."""
    row = IdempotencyKey.objects.filter(user=user, scope=claim.scope, key=claim.key).first()
    if row is None:
        return None
    if row.request_hash != claim.fingerprint:
        raise IdempotencyKeyReused()
    return Replay(resource_id=row.resource_id, status=row.response_status)


def claim_take(*, user, claim: Claim) -> IdempotencyKey:
    """Claim the key inside the caller's transaction; `IdempotencyRace` if another request has it."""
    assert transaction.get_connection().in_atomic_block, "Claim an idempotency key inside the request's transaction."
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user, scope=claim.scope, key=claim.key, request_hash=claim.fingerprint
            )
    except IntegrityError as exc:
        raise IdempotencyRace() from exc


def claim_fulfil(*, row: IdempotencyKey, resource_id: int, status: int) -> None:
    IdempotencyKey.objects.filter(pk=row.pk).update(resource_id=resource_id, response_status=status)


def claim_release(request, *, scope: str) -> None:
    """
    Free the request's key after what it started failed outside its transaction (a gateway refused
    the payment it created), so a retry with the same key tries again, as one after a rolled-back
    request does.
    """
    claim = claim_from_request(request, scope=scope)
    if claim is not None:
        IdempotencyKey.objects.filter(user=request.user, scope=scope, key=claim.key).delete()


def idempotency_keys_purge(*, now=None) -> int:
    """Forget keys older than a week: clients retry within minutes, not weeks."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def create_once(request, *, scope: str, status: int, create: Callable[[], Any]) -> tuple[Any | None, Replay | None]:
    """
    Run `create` in a transaction with the request's `Idempotency-Key` (if any) claimed in it.
    Returns `(created, None)`, or `(None, replay)` when the key already made something (also when
    a concurrent request with the key won the race): answer with `replay.resource_id`.
    """
    claim = claim_from_request(request, scope=scope)
    if claim is not None and (replay := replay_of(user=request.user, claim=claim)) is not None:
        return None, replay
    try:
        with transaction.atomic():
            row = claim_take(user=request.user, claim=claim) if claim is not None else None
            created = create()
            if row is not None:
                claim_fulfil(row=row, resource_id=created.pk, status=status)
    except IdempotencyRace:
        return None, replay_of(user=request.user, claim=claim)
    return created, None
