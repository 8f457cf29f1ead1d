"""Who works the repair desk: the one definition the selectors, permissions and services share."""

from accounts.models import Role

# Technicians work the repair queue; staff and admins run the desk. Everyone else is a customer.
DESK_ROLES = frozenset({Role.TECHNICIAN, Role.STAFF, Role.ADMIN})


def works_at_desk(user) -> bool:
    """Whether `user` (possibly anonymous) sees every repair and may move them along."""
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.role in DESK_ROLES
    )
