"""
Roles as data: each role is a Django group whose permissions come from this table.

Every app declares what each role may do with its models in its AppConfig's
`role_permissions` (e.g. catalog gives staff `catalog.change_product`); `sync_role_groups`
runs after every `migrate` and makes the groups match, so the admin and the API agree.
The admin role's group holds every permission there is.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission

from accounts.models import Role, User

ALL_PERMISSIONS = "__all__"

# Roles that sign in to /admin/ (Django's is_staff flag follows the role).
ADMIN_SITE_ROLES = {Role.STAFF, Role.TECHNICIAN, Role.ADMIN}


def declared_role_permissions() -> dict[str, set[str]]:
    """Merge `role_permissions` of every installed app: {"staff": {"app.codename", ...}, ...}."""
    merged: dict[str, set[str]] = {role.value: set() for role in Role}
    for config in apps.get_app_configs():
        for role, perms in getattr(config, "role_permissions", {}).items():
            merged[role].update(perms)
    return merged


def _permissions_named(names: set[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = [
        perm
        for perm in Permission.objects.select_related("content_type")
        if (perm.content_type.app_label, perm.codename) in wanted
    ]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    assert not missing, f"role_permissions names permissions that do not exist: {sorted(missing)}"
    return found


def sync_role_groups() -> None:
    """Create one group per role and give it exactly the declared permissions."""
    declared = declared_role_permissions()
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        if role == Role.ADMIN:
            group.permissions.set(Permission.objects.all())
        else:
            group.permissions.set(_permissions_named(declared[role.value]))


def apply_role_access(user: User) -> None:
    """Make the user's group, admin-site access and superuser flag follow `user.role`."""
    user.is_staff = user.role in ADMIN_SITE_ROLES
    if user.role != Role.ADMIN:
        user.is_superuser = False
    user.save(update_fields=["is_staff", "is_superuser"])
    group, _ = Group.objects.get_or_create(name=user.role)
    user.groups.set([group])
