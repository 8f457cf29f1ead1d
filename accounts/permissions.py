"""Role checks for API views; the roles themselves are Django groups (accounts/roles.py)."""

from rest_framework.permissions import BasePermission

from accounts.models import Role


class HasRole(BasePermission):
    roles: frozenset[str] = frozenset()
    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role in self.roles)


class IsAdminRole(HasRole):
    roles = frozenset({Role.ADMIN})


class IsStaffRole(HasRole):
    """Staff or admin ("staff" in API.md)."""

    roles = frozenset({Role.STAFF, Role.ADMIN})


class NotTechnicianRole(BasePermission):
    """
    Anyone signed in but a technician: technicians work the repair queue (repairs/) and never see
    the shop's orders, payments or customers, not even an empty list of their own.
    """

    message = "A technician account works the repair desk only."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role != Role.TECHNICIAN)
