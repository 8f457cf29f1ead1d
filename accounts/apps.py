from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_role_groups(sender, **kwargs):
    """
    Run on the last `post_migrate` of a `migrate`: Django sends the signal app by app, and only
    by the last app with models does every app's permissions exist (they are made by the same signal).
    """
    apps_with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not apps_with_models[-1]:
        return
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

        post_migrate.connect(_sync_role_groups, dispatch_uid="accounts.sync_role_groups")
