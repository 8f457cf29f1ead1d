"""`manage.py analytics_export KIND --format csv|xlsx --from YYYY-MM-DD --to YYYY-MM-DD --output PATH`."""

from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import ValidationError

from analytics.exports import FORMATS, KINDS, csv_chunks, write_xlsx
from analytics.params import parse_params


class Command(BaseCommand):
    help = "Write an analytics export (the API's export/{kind}) to a file, streamed row by row."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--from", dest="date_from", help="YYYY-MM-DD, inclusive, store time zone.")
        parser.add_argument("--to", dest="date_to", help="YYYY-MM-DD, inclusive; default today.")
        parser.add_argument("--output", required=True, help="The file to write.")

    def handle(self, *args, kind, format, date_from, date_to, output, **options):
        query = {key: value for key, value in (("date_from", date_from), ("date_to", date_to)) if value}
        try:
            params, _ = parse_params(query)
        except ValidationError as error:
            problems = "; ".join(f"{name}: {' '.join(map(str, messages))}" for name, messages in error.detail.items())
            raise CommandError(f"Bad dates ({problems})") from error
        days = params.range
        if format == "xlsx":
            write_xlsx(kind, days, output)
        else:
            with open(output, "w", encoding="utf-8", newline="") as target:
                for chunk in csv_chunks(kind, days):
                    target.write(chunk)
        self.stdout.write(f"Wrote {kind} {days.first}..{days.last} to {output}")
