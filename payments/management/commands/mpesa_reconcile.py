from django.core.management.base import BaseCommand

from payments.services import mpesa_reconcile


class Command(BaseCommand):
    help = "Ask M-Pesa (STK query) about pending payments older than a minute whose callback never came."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=60, help="seconds (default 60)")

    def handle(self, *args, **options):
        counts = mpesa_reconcile(older_than_seconds=options["older_than"])
        self.stdout.write(
            f"{counts['checked']} checked: {counts['succeeded']} succeeded, {counts['failed']} failed, "
            f"{counts['pending']} still pending, {counts['errors']} errors."
        )
