"""
Fill the database with a believable demo shop.

Each app that has demo data provides `<app>/demo.py` with `seed(*, command, options)`; they run in
INSTALLED_APPS order, so an app's demo can rely on the ones before it. Running it again is safe.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings


class Command(BaseCommand):
    help = "Load demo data (store zones, accounts, catalog, orders) and print the demo sign-ins."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=200, help="How many demo products to create.")

    def handle(self, *args, **options):
        # Demo orders go through the real services, which email the customer; nobody should get
        # (or read on the console) a dozen emails for made-up orders.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if find_spec(module_name) is None:
                    continue
                with transaction.atomic():
                    import_module(module_name).seed(command=self, options=options)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
