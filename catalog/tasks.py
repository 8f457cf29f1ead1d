from celery import shared_task

from accounts.models import Role, User
from catalog.models import ProductVariant
from core.emails import send_templated_email


@shared_task
def notify_low_stock(*, variant_ids: list[int]) -> None:
    """Email every active staff member and admin about variants at or below their reorder point."""
    variants = list(ProductVariant.objects.filter(pk__in=variant_ids).select_related("product").order_by("sku"))
    recipients = list(
        User.objects.filter(role__in=[Role.STAFF, Role.ADMIN], is_active=True).values_list("email", flat=True)
    )
    if not variants or not recipients:
        return
    send_templated_email(to=recipients, template="low_stock", context={"variants": variants})
