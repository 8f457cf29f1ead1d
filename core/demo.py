"""The demo shop's contacts and delivery zones (the settings record itself comes from a migration)."""

from decimal import Decimal

from core.models import ShippingZone
from core.services import shipping_zone_create
from core.store import store_settings_record

ZONES = [
    ("Nairobi metro", ["Nairobi", "Kiambu", "Machakos", "Kajiado"], Decimal("200.00")),
    ("Central and Rift", ["Nakuru", "Nyeri", "Murang'a", "Kirinyaga", "Uasin Gishu", "Laikipia"], Decimal("350.00")),
    ("Coast", ["Mombasa", "Kilifi", "Kwale"], Decimal("450.00")),
    ("Lake region", ["Kisumu", "Siaya", "Kakamega", "Kisii"], Decimal("400.00")),
]


def seed(*, command, options) -> None:
    record = store_settings_record()
    if not record.contact_email:
        record.contact_email = "hello@duka.local"
        record.contact_phone = "254700000000"
        record.address = "Moi Avenue 12, Nairobi"
        record.save()
    for name, counties, fee in ZONES:
        if not ShippingZone.objects.filter(name=name).exists():
            shipping_zone_create(name=name, counties=counties, fee=fee)
    command.stdout.write(f"Store: {ShippingZone.objects.count()} shipping zones; other counties pay the flat fee.")
