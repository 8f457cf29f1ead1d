"""Who reads the shop's figures: staff and admins (API.md); technicians only the repairs report."""

from accounts.permissions import IsStaffRole

# The reports are the shop's books: "staff" in API.md means staff or admin.
CanReadAnalytics = IsStaffRole
