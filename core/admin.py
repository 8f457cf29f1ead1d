from django.contrib import admin

from core.models import Event


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records: visible to whoever may view them, changed by nobody."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "type", "actor", "payload")
    list_filter = ("type", "occurred_at")
    search_fields = ("type", "actor__email")
    date_hierarchy = "occurred_at"
    list_select_related = ("actor",)
