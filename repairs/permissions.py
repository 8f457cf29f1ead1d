"""Who may do what with a repair ticket; which tickets a caller sees is `repairs.selectors.repairs_visible_to`."""

from rest_framework.permissions import BasePermission

from repairs.roles import works_at_desk


class WorksAtDesk(BasePermission):
    """
    Technicians, staff and admins. Checked on the ticket (after it was found among those the caller
    sees), so a customer learns nothing about another customer's ticket (404) and is refused their
    own ticket's desk actions (403).
    """

    message = "Only the repair desk (technicians and staff) can do this."

    def has_object_permission(self, request, view, obj) -> bool:
        return works_at_desk(request.user)


class IsDeskRole(BasePermission):
    """Technicians, staff and admins, for views that name no ticket."""

    message = WorksAtDesk.message

    def has_permission(self, request, view) -> bool:
        return works_at_desk(request.user)


class OwnerOrStaff(BasePermission):
    """
    The ticket's customer, or staff and admins: the customer's own decisions (answering a quote,
    claiming the warranty), which staff may take for them at the counter; technicians may not.
    """

    message = "Only the customer or staff can do this."

    def has_object_permission(self, request, view, obj) -> bool:
        user = request.user
        return (obj.user_id is not None and obj.user_id == user.pk) or bool(getattr(user, "is_staff_role", False))
