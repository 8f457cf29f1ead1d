"""
The store's settings and shipping zones as one cached, read-only snapshot.

Pricing reads them on every cart and checkout, so they live in the shared cache; saving either
model drops the cached copy after commit (see `core.models`), and the next read rebuilds it, so a
change made in the admin or through `store/` applies to the next request of every worker.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from core.models import ShippingZone, StoreSettings

CACHE_KEY = "core:store-config:v2"  # a new version whenever StoreConfig gains a field
# A backstop only: saves invalidate at once. It bounds how long a copy read just before another
# process's save committed (and cached just after it invalidated) can outlive that save.
CACHE_SECONDS = 300


@dataclass(frozen=True)
class ZoneFee:
    name: str
    counties: frozenset[str]
    fee: Decimal


@dataclass(frozen=True)
class StoreConfig:
    name: str
    currency: str
    contact_email: str
    contact_phone: str
    address: str
    tax_rate: Decimal
    prices_include_tax: bool
    shipping_flat_fee: Decimal
    free_shipping_threshold: Decimal | None
    payment_methods: tuple[str, ...]  # as staff enabled them; see `payment_methods_offered`
    max_quantity_per_line: int
    reservation_minutes: int
    repair_warranty_days: int
    zones: tuple[ZoneFee, ...] = ()

    def zone_fee(self, county: str | None) -> Decimal:
        """The delivery fee for an address in `county`: its zone's fee, else the flat fee."""
        if county:
            key = county.strip().casefold()
            for zone in self.zones:
                if key in zone.counties:
                    return zone.fee
        return self.shipping_flat_fee

    @property
    def payment_methods_offered(self) -> tuple[str, ...]:
        """The methods checkout takes now: those enabled here that this server can also take."""
        return payment_methods_offered(enabled=self.payment_methods)


def payment_methods_offered(*, enabled: Iterable[str]) -> tuple[str, ...]:
    """
    `enabled`, in its order, less the methods this server cannot take. Which it can take is a
    question of its configuration (gateway keys, the simulator), not of the cached settings row,
    so it is asked each time, of the function `PAYMENT_METHODS_AVAILABLE` names; no query.
    """
    path = getattr(settings, "PAYMENT_METHODS_AVAILABLE", "")
    if not path:
        return tuple(enabled)
    available = import_string(path)()
    return tuple(method for method in enabled if method in available)


def store_settings_record() -> StoreSettings:
    """The settings row, created with the defaults the first time anyone asks."""
    record, _ = StoreSettings.objects.get_or_create(pk=StoreSettings.SINGLETON_ID)
    return record


def store_config() -> StoreConfig:
    config = cache.get(CACHE_KEY)
    if config is None:
        config = _build()
        cache.set(CACHE_KEY, config, CACHE_SECONDS)
    return config


def store_config_forget() -> None:
    cache.delete(CACHE_KEY)


def _build() -> StoreConfig:
    record = store_settings_record()
    zones = tuple(
        ZoneFee(name=zone.name, counties=frozenset(c.casefold() for c in zone.counties), fee=zone.fee)
        for zone in ShippingZone.objects.order_by("name", "id")
    )
    return StoreConfig(
        name=record.name,
        currency=record.currency,
        contact_email=record.contact_email,
        contact_phone=record.contact_phone,
        address=record.address,
        tax_rate=record.tax_rate,
        prices_include_tax=record.prices_include_tax,
        shipping_flat_fee=record.shipping_flat_fee,
        free_shipping_threshold=record.free_shipping_threshold,
        payment_methods=tuple(record.payment_methods),
        max_quantity_per_line=record.max_quantity_per_line,
        reservation_minutes=record.reservation_minutes,
        repair_warranty_days=record.repair_warranty_days,
        zones=zones,
    )


def store_config_for(request) -> StoreConfig:
    """The config for this request, read from the cache once however many rows ask."""
    if request is None:
        return store_config()
    config = getattr(request, "_duka_store_config", None)
    if config is None:
        config = store_config()
        request._duka_store_config = config
    return config
