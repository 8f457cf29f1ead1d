from django.core.management.base import BaseCommand

from orders.services.lifecycle import reservations_expire


class Command(BaseCommand):
    help = "Fail prepaid orders not paid before their reservation ran out and release their stock."

    def handle(self, *args, **options):
        total = 0
        while expired := reservations_expire():
            total += expired
        self.stdout.write(f"{total} order{'s' if total != 1 else ''} expired.")
