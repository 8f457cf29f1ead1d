"""
Warranty claims. A completed repair is under warranty until `warranty_until` (set at completion:
the store's today plus the `repair_warranty_days` setting). A claim is a new ticket for the same
device and customer, linked to the original by `warranty_of`, free of charge (`charge` is 0 for a
claim), carrying the original's `warranty_until`: the clock never restarts, not even when the claim
is completed (`repair_transition` leaves a claim's date alone).
"""

from django.db import transaction

from core.dates import store_today
from repairs.exceptions import InvalidTransition, WarrantyExpired
from repairs.models import RepairRequest, RepairStatus
from repairs.services.tickets import repair_create

# What the claim copies from the ticket it is made on: the same device, the same customer.
CLAIM_COPIES = ("device_type", "brand", "model", "serial_number", "contact_name", "contact_phone", "contact_email")


def warranty_claim_open(*, repair: RepairRequest, issue_description: str, actor) -> RepairRequest:
    """
    Open a free warranty claim on `repair`, which must be completed (else 409 `invalid_transition`)
    and still under warranty on the store's today (else 409 `warranty_expired`). A claim on a claim
    is linked to the first repair, whose date it shares.
    """
    with transaction.atomic():
        original = RepairRequest.objects.select_for_update().get(pk=repair.pk)
        if original.status != RepairStatus.COMPLETED:
            raise InvalidTransition("Only a completed repair can be claimed under warranty.")
        if original.warranty_until is None or store_today() > original.warranty_until:
            ended = f" on {original.warranty_until.isoformat()}" if original.warranty_until else ""
            raise WarrantyExpired(f"The warranty of {original.tracking_code} ended{ended}.")
        data = {field: getattr(original, field) for field in CLAIM_COPIES}
        data.update(
            issue_description=issue_description,
            warranty_of_id=original.warranty_of_id or original.pk,
            warranty_until=original.warranty_until,
        )
        claim = repair_create(data=data, user=actor)
        if claim.user_id != original.user_id:
            # Made at the desk for the customer: the claim is theirs, as the repair was.
            claim.user_id = original.user_id
            claim.save(update_fields=["user", "updated_at"])
    return claim
