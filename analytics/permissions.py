"""Who reads the shop's figures: staff and admins (API.md); technicians only the repairs report."""

from accounts.models import Role
from accounts.permissions import HasRole, IsStaffRole

# The reports are the shop's books: "staff" in API.md means staff or admin.
CanReadAnalytics = IsStaffRole


class CanReadRepairsReport(HasRole):
    """The one report technicians read besides staff and admins: the repair desk's own figures."""

    roles = frozenset({Role.STAFF, Role.ADMIN, Role.TECHNICIAN})
