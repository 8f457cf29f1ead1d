"""`manage.py check`: M-Pesa settings that would fail only when the first customer pays."""

from django.conf import settings
from django.core.checks import Warning as CheckWarning

from payments.gateways.mpesa.gateway import callback_url_problems

MPESA_REQUIRED = ("MPESA_CONSUMER_KEY", "MPESA_CONSUMER_SECRET", "MPESA_SHORTCODE", "MPESA_PASSKEY",
                  "MPESA_CALLBACK_BASE_URL")  # fmt: skip


def mpesa_settings(app_configs=None, **kwargs) -> list[CheckWarning]:
    given = [name for name in MPESA_REQUIRED if getattr(settings, name)]
    if not given:
        return []  # M-Pesa off: checkout refuses it (or simulates it with PAYMENTS_SIMULATION)
    warnings = []
    missing = [name for name in MPESA_REQUIRED if name not in given]
    if missing:
        warnings.append(CheckWarning(f"M-Pesa is half set up: {', '.join(missing)} missing, so it stays off.",
                                     id="payments.W001"))  # fmt: skip
    if settings.MPESA_CALLBACK_BASE_URL:
        warnings += [
            CheckWarning(problem, id="payments.W002")
            for problem in callback_url_problems(settings.MPESA_CALLBACK_BASE_URL)
        ]
    if settings.MPESA_ENVIRONMENT == "production" and settings.PAYMENTS_SIMULATION:
        warnings.append(CheckWarning("PAYMENTS_SIMULATION is on with production M-Pesa: anyone could fake a payment.",
                                     id="payments.W003"))  # fmt: skip
    return warnings
