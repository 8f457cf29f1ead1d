"""Writes to the store's settings and shipping zones (staff, through `store/` or the admin)."""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from rest_framework.exceptions import ErrorDetail, ValidationError

from core.models import PaymentMethod, ShippingZone, StoreSettings
from core.regions import canonical_county
from core.store import payment_methods_offered, store_settings_record


def store_settings_update(*, fields: dict[str, Any]) -> StoreSettings:
    with transaction.atomic():
        record = _lock_settings()
        if "payment_methods" in fields:
            methods = payment_methods_clean(fields["payment_methods"], enabled_before=record.payment_methods)
            fields = {**fields, "payment_methods": methods}
        for name, value in fields.items():
            setattr(record, name, value)
        record.save()
    return record


def payment_methods_clean(methods: list[str], *, enabled_before: Sequence[str]) -> list[str]:
    """
    The methods staff enable, each once. A method is newly enabled only when this server can take
    it, so staff learn at once that, say, card needs Stripe's keys. One enabled before stays when
    its gateway is not configured: it is just not offered meanwhile (`core.store.payment_methods_offered`),
    and the settings can still be saved without unticking it.
    """
    methods = list(dict.fromkeys(methods))
    offered = payment_methods_offered(enabled=methods)
    refused = [PaymentMethod(m).label for m in methods if m not in offered and m not in enabled_before]
    if refused:
        message = (
            f"This server cannot take {', '.join(refused)} payments: the gateway is not configured "
            "(see the README, Payments)."
        )
        raise ValidationError({"payment_methods": [ErrorDetail(message, code="unavailable")]})
    return methods


def zone_counties_clean(counties: list[str], *, zone: ShippingZone | None) -> list[str]:
    """
    Canonical spellings, each county in one zone only: an address must have one fee. Counties are
    Kenya's 47 (the shop ships within Kenya first); a name that matches none is refused.
    """
    canonical, unknown = [], []
    for county in counties:
        name = canonical_county("KE", county)
        if name is None:
            unknown.append(county)
        elif name not in canonical:
            canonical.append(name)
    if unknown:
        raise ValidationError(
            {"counties": [ErrorDetail(f"Not a county: {', '.join(unknown)}.", code="invalid_choice")]}
        )
    others = ShippingZone.objects.exclude(pk=zone.pk) if zone else ShippingZone.objects.all()
    taken = {county: other.name for other in others for county in other.counties if county in canonical}
    if taken:
        clashes = ", ".join(f"{county} ({name})" for county, name in sorted(taken.items()))
        raise ValidationError({"counties": [ErrorDetail(f"Already in another zone: {clashes}.", code="unique")]})
    return canonical


def zone_name_check(name: str, *, zone: ShippingZone | None) -> None:
    """Refuse a name another zone has, in any case ("coast" is "Coast"): staff pick zones by name."""
    others = ShippingZone.objects.exclude(pk=zone.pk) if zone else ShippingZone.objects.all()
    if others.filter(name__iexact=name).exists():
        raise ValidationError({"name": [ErrorDetail("A shipping zone with this name already exists.", code="unique")]})


def shipping_zone_create(*, name: str, counties: list[str], fee) -> ShippingZone:
    with transaction.atomic():
        _lock_settings()
        zone_name_check(name, zone=None)
        return ShippingZone.objects.create(name=name, counties=zone_counties_clean(counties, zone=None), fee=fee)


def shipping_zone_update(*, zone: ShippingZone, fields: dict[str, Any]) -> ShippingZone:
    with transaction.atomic():
        _lock_settings()
        if "name" in fields:
            zone_name_check(fields["name"], zone=zone)
        if "counties" in fields:
            fields = {**fields, "counties": zone_counties_clean(fields["counties"], zone=zone)}
        for name, value in fields.items():
            setattr(zone, name, value)
        zone.save()
    return zone


def shipping_zone_delete(*, zone: ShippingZone) -> None:
    zone.delete()


def _lock_settings() -> StoreSettings:
    """
    Lock the settings row: the one lock every store write takes, so two staff editing zones at
    once cannot both put one county in two zones.
    """
    store_settings_record()
    return StoreSettings.objects.select_for_update().get(pk=StoreSettings.SINGLETON_ID)
