"""
Create one group per role with its accounts permissions.

Later apps' permissions join these groups through `accounts.roles.sync_role_groups`, which
runs after every `migrate`; this migration makes the groups exist from the first one.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("customer", "staff", "technician", "admin")
STAFF_PERMISSIONS = ("view_user", "view_address", "view_loginactivity")


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make them now so they can be granted.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in ROLES}
    groups["staff"].permissions.add(
        *Permission.objects.filter(content_type__app_label="accounts", codename__in=STAFF_PERMISSIONS)
    )
    groups["admin"].permissions.add(*Permission.objects.all())


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
