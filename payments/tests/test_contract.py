"""Small promises between the payments app and the rest."""

from orders.serializers import PAYMENT_STATUSES
from payments.models import PaymentStatus


def test_orders_show_payment_statuses_with_the_payments_own_choices():
    assert PaymentStatus.choices == PAYMENT_STATUSES


def test_the_system_check_warns_about_half_set_up_mpesa_and_bad_callback_origins(settings):
    from payments.checks import mpesa_settings

    settings.MPESA_CONSUMER_KEY = "key"
    settings.MPESA_CALLBACK_BASE_URL = "http://mpesa.shop.example.com/callbacks"

    messages = [warning.msg for warning in mpesa_settings()]

    assert any("half set up" in m and "MPESA_PASSKEY" in m for m in messages)
    assert any("https://" in m for m in messages)
    assert any("no path" in m for m in messages)
    assert any("mpesa" in m for m in messages)


def test_no_mpesa_settings_no_warning(settings):
    from payments.checks import mpesa_settings

    settings.MPESA_CONSUMER_KEY = settings.MPESA_CONSUMER_SECRET = settings.MPESA_SHORTCODE = ""
    settings.MPESA_PASSKEY = settings.MPESA_CALLBACK_BASE_URL = ""

    assert mpesa_settings() == []


def test_the_callback_path_has_no_word_daraja_refuses():
    from django.urls import reverse

    from payments.gateways.mpesa.gateway import WORDS_DARAJA_REFUSES

    path = reverse("mpesa-stk-callback", kwargs={"token": "abc"}).lower()

    assert not [word for word in WORDS_DARAJA_REFUSES if word in path]
