"""
Repair tickets and desk users for tests. Users come from the accounts factory; the conftest fixtures
`staff_user` / `admin_user` are the same kind of users.
"""

from accounts.models import Role, User
from accounts.tests.factories import UserFactory
from repairs.models import DeviceType, RepairRequest, RepairStatus, RepairStatusEvent
from repairs.services.tickets import tracking_code_new

# A real-looking IMEI that passes the Luhn check.
VALID_IMEI = "490154203237518"


def customer_user(**kw) -> User:
    return UserFactory(role=Role.CUSTOMER, **kw)


def technician_user(**kw) -> User:
    return UserFactory(role=Role.TECHNICIAN, **kw)


def staff_user(**kw) -> User:
    return UserFactory(role=Role.STAFF, **kw)


def admin_user(**kw) -> User:
    return UserFactory(role=Role.ADMIN, **kw)


def repair_body(**overrides) -> dict:
    """A valid `POST repairs` body."""
    body = {
        "device_type": DeviceType.PHONE,
        "brand": "Samsung",
        "model": "Galaxy A14",
        "serial_number": VALID_IMEI,
        "issue_description": "Cracked screen, touch works in the lower half only.",
        "condition_notes": "Scratches on the back.",
        "accessories": "Case",
        "unlocks_at_counter": True,
        "contact_name": "Akinyi Otieno",
        "contact_phone": "0712345678",
        "contact_email": "akinyi@example.com",
    }
    body.update(overrides)
    return body


def repair_factory(*, status: str = RepairStatus.RECEIVED, history: bool = True, **kw) -> RepairRequest:
    """
    A ticket written straight to the database in `status`, with a `received` history row (and one for
    `status` when it is later). Fields default to a phone in for a cracked screen; override any by name.
    """
    fields = {
        "device_type": DeviceType.PHONE,
        "brand": "Tecno",
        "model": "Spark 20",
        "serial_number": VALID_IMEI,
        "issue_description": "Does not charge.",
        "contact_name": "Akinyi Otieno",
        "contact_phone": "254712345678",
        "contact_email": "akinyi@example.com",
    }
    fields.update(kw)
    fields.setdefault("tracking_code", tracking_code_new())
    repair = RepairRequest.objects.create(status=status, **fields)
    if history:
        RepairStatusEvent.objects.create(repair=repair, from_status="", status=RepairStatus.RECEIVED)
        if status != RepairStatus.RECEIVED:
            RepairStatusEvent.objects.create(repair=repair, from_status=RepairStatus.RECEIVED, status=status)
    return repair
