from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records: visible to whoever may view them, changed by nobody."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
