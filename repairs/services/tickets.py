"""
Tickets: taking a device in (`repair_create`) and the desk's edits of it (`repair_update`).

A change of status always goes through `repairs.services.lifecycle.repair_transition`; a labour
estimate sent for approval goes through `repairs.services.quotes.quote_send_labour`; a final cost is
checked against the approved quote by `repairs.services.quotes.final_cost_check`. This module only
decides the order in which those run, under one lock, in one transaction.
"""

import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from rest_framework.exceptions import ErrorDetail, ValidationError

from repairs import notifications
from repairs.models import RepairRequest, RepairStatus, RepairStatusEvent
from repairs.roles import works_at_desk

S = RepairStatus

# No 0/O, 1/I/L: a code read out over the phone or copied from paper must not be mistyped.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "RP-"
CODE_ATTEMPTS = 8

# The fields a PATCH may set directly; `status` is a move, not a field.
EDITABLE_FIELDS = ("assigned_technician", "diagnosis", "estimated_cost", "final_cost", "promised_by")


def tracking_code_new() -> str:
    """`RP-XXXX-XXXX` from 31 symbols: 31**8 (about 8.5e11) codes, drawn with `secrets`, so none can be guessed."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{CODE_PREFIX}{body[:4]}-{body[4:]}"


def repair_create(*, data: dict, user=None) -> RepairRequest:
    """
    Take a device in: a ticket in `received` with a new tracking code and its first history row.

    The ticket belongs to the signed-in customer; a technician or clerk typing it in at the counter
    does it for a walk-in customer, so the ticket is not linked to their account.
    """
    owner = user if user is not None and getattr(user, "is_authenticated", False) and not works_at_desk(user) else None
    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    for _attempt in range(CODE_ATTEMPTS):
        code = tracking_code_new()
        try:
            with transaction.atomic():
                repair = RepairRequest.objects.create(**data, user=owner, tracking_code=code, status=S.RECEIVED)
                RepairStatusEvent.objects.create(repair=repair, from_status="", status=S.RECEIVED, actor=actor)
        except IntegrityError:
            # Another ticket drew the same code (about one chance in 10**11): draw again. Anything else is a bug.
            if not RepairRequest.objects.filter(tracking_code=code).exists():
                raise
            continue
        notifications.repair_status_email(repair, "", S.RECEIVED)  # the intake receipt, on commit
        return repair
    raise AssertionError(f"{CODE_ATTEMPTS} tracking codes in a row were taken: is CODE_ALPHABET too small?")


def technician_check(user) -> None:
    """Refuse (400 on `assigned_technician`) an account that does not work at the repair desk."""
    if user is not None and not works_at_desk(user):
        raise ValidationError(
            {
                "assigned_technician": [
                    ErrorDetail("Assign a technician, staff member or admin.", code="not_a_technician")
                ]
            }
        )


def repair_update(*, repair: RepairRequest, actor, changes: dict) -> RepairRequest:
    """
    Apply a desk PATCH: fields, then the move, in one transaction under the ticket's lock.

    `changes` may hold `status` and `note` (the move and its history note) and any of
    `EDITABLE_FIELDS`. `estimated_cost` with `status: awaiting_approval` sends a one-line labour
    quote (the customer approves a quote, never a bare number); `final_cost` may not exceed the
    approved quote (409 `quote_exceeded`). Either everything is applied or nothing is.
    """
    changes = dict(changes)
    to = changes.pop("status", None)
    note = changes.pop("note", "") or ""
    fields = {name: changes.pop(name) for name in EDITABLE_FIELDS if name in changes}
    assert not changes, f"repair_update does not know {sorted(changes)}"
    if "assigned_technician" in fields:
        technician_check(fields["assigned_technician"])

    with transaction.atomic():
        # Lock first: two desks editing one ticket apply one after the other, each seeing the other's result.
        repair = RepairRequest.objects.select_for_update().get(pk=repair.pk)
        if fields.get("final_cost") is not None:
            from repairs.services.quotes import final_cost_check  # the quotes module owns the rule

            final_cost_check(repair, fields["final_cost"])
        labour_quote = to == RepairStatus.AWAITING_APPROVAL and fields.get("estimated_cost") is not None
        if to is None or labour_quote:
            if fields:
                for name, value in fields.items():
                    setattr(repair, name, value)
                repair.save(update_fields=[*fields, "updated_at"])
            if labour_quote:
                from repairs.services.quotes import quote_send_labour

                repair = quote_send_labour(
                    repair=repair, amount=Decimal(fields["estimated_cost"]), actor=actor, note=note
                )
            return repair
        from repairs.services.lifecycle import repair_transition

        return repair_transition(repair=repair, to=to, actor=actor, note=note, changes=fields)
