from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_role_groups(sender, **kwargs):
    from accounts.roles import sync_role_groups

    sync_role_groups()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    # What each role may do with this app's models (see accounts/roles.py).
    role_permissions = {
        "staff": {"accounts.view_user", "accounts.view_address", "accounts.view_loginactivity"},
    }

    def ready(self):
        from accounts import receivers  # noqa: F401  (login activity from Django's auth signals)

        # Once per `migrate`, after every app's permissions exist.
        post_migrate.connect(_sync_role_groups, sender=self, dispatch_uid="accounts.sync_role_groups")
