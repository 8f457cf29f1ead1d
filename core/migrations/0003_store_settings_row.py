from django.db import migrations


def create_settings_row(apps, schema_editor):
    StoreSettings = apps.get_model("core", "StoreSettings")
    StoreSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    """The one settings record exists from the first migrate, with the defaults of the model."""

    dependencies = [("core", "0002_store_settings_zones_idempotency")]

    operations = [migrations.RunPython(create_settings_row, migrations.RunPython.noop)]
