"""The Daraja client against a Daraja-compatible HTTP server on loopback: every field, the token, the failures."""

import base64
import json
import logging
import time
from datetime import UTC, datetime

import pytest
from werkzeug import Response

from payments.gateways.mpesa.client import DarajaClient, DarajaError, nairobi_timestamp
from payments.tests.conftest import PASSKEY, SHORTCODE, push_accepted, token_ok

pytestmark = pytest.mark.django_db

# 07:15:30 UTC is 10:15:30 in Nairobi (UTC+3, no daylight saving).
NOW = datetime(2026, 12, 1, 7, 15, 30, tzinfo=UTC)


def push(client: DarajaClient, **overrides):
    fields = {
        "amount": 1460,
        "phone": "254712345678",
        "callback_url": "https://shop.example.com/api/v1/payments/callbacks/stk/t0k",
        "account_reference": "DK-7F3K-9Q2M",
        "description": "Order payment",
        "transaction_type": "CustomerPayBillOnline",
        "party_b": SHORTCODE,
        "now": NOW,
    }
    return client.stk_push(**{**fields, **overrides})


def test_the_timestamp_is_nairobi_time():
    assert nairobi_timestamp(NOW) == "20261201101530"


def test_the_token_request_uses_basic_auth_with_the_consumer_key_and_secret(daraja):
    token_ok(daraja)

    assert DarajaClient.from_settings().access_token() == "token-1"

    request, _ = daraja.log[0]
    expected = base64.b64encode(b"consumer-key:consumer-secret-never-logged").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


def test_the_stk_push_sends_every_field_daraja_needs(daraja):
    token_ok(daraja)
    push_accepted(daraja, "ws_CO_1")

    accepted = push(DarajaClient.from_settings())

    assert accepted.checkout_request_id == "ws_CO_1"
    assert accepted.merchant_request_id == "29115-34620561-1"
    request, _ = daraja.log[1]
    assert request.headers["Authorization"] == "Bearer token-1"
    body = json.loads(request.data)
    assert body == {
        "BusinessShortCode": SHORTCODE,
        "Password": base64.b64encode(f"{SHORTCODE}{PASSKEY}20261201101530".encode()).decode(),
        "Timestamp": "20261201101530",
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 1460,
        "PartyA": "254712345678",
        "PartyB": SHORTCODE,
        "PhoneNumber": "254712345678",
        "CallBackURL": "https://shop.example.com/api/v1/payments/callbacks/stk/t0k",
        "AccountReference": "DK-7F3K-9Q2M",
        "TransactionDesc": "Order payment",
    }


def test_account_reference_and_description_are_cut_to_dajara_limits(daraja):
    token_ok(daraja)
    push_accepted(daraja)

    push(DarajaClient.from_settings(), account_reference="A-VERY-LONG-REFERENCE", description="A long description")

    body = json.loads(daraja.log[1][0].data)
    assert body["AccountReference"] == "A-VERY-LONG-"
    assert body["TransactionDesc"] == "A long descri"


def test_ten_pushes_use_one_token_from_the_shared_cache(daraja):
    token_ok(daraja)
    for n in range(10):
        push_accepted(daraja, f"ws_CO_{n}")

    for _ in range(10):
        push(DarajaClient.from_settings())  # a new client each time, as separate requests would

    token_requests = [r for r, _ in daraja.log if r.path == "/oauth/v1/generate"]
    assert len(token_requests) == 1


def test_expires_in_as_a_string_sets_how_long_the_token_is_kept(daraja, settings):
    token_ok(daraja, expires_in="61")
    client = DarajaClient.from_settings()
    client.access_token()

    from django.core.cache import cache

    assert cache.get(client.token_cache_key) == "token-1"
    time.sleep(1.2)  # kept for expires_in minus the 60-second margin: 1 second
    assert cache.get(client.token_cache_key) is None


def test_an_invalid_token_is_renewed_and_the_call_retried_once(daraja):
    daraja.expect_oneshot_request("/oauth/v1/generate").respond_with_json(
        {"access_token": "stale", "expires_in": "3599"}
    )
    daraja.expect_oneshot_request("/mpesa/stkpush/v1/processrequest", method="POST").respond_with_json(
        {"requestId": "1", "errorCode": "404.001.03", "errorMessage": "Invalid Access Token"}, status=404
    )
    daraja.expect_request("/oauth/v1/generate").respond_with_json({"access_token": "fresh", "expires_in": "3599"})
    push_accepted(daraja, "ws_CO_retry")

    accepted = push(DarajaClient.from_settings())

    assert accepted.checkout_request_id == "ws_CO_retry"
    pushes = [r for r, _ in daraja.log if r.path.endswith("processrequest")]
    assert [r.headers["Authorization"] for r in pushes] == ["Bearer stale", "Bearer fresh"]


def test_a_second_invalid_token_answer_is_an_error_not_a_loop(daraja):
    daraja.expect_request("/oauth/v1/generate").respond_with_json({"access_token": "t", "expires_in": "3599"})
    daraja.expect_request("/mpesa/stkpush/v1/processrequest").respond_with_json(
        {"requestId": "1", "errorCode": "404.001.03", "errorMessage": "Invalid Access Token"}, status=404
    )

    with pytest.raises(DarajaError) as caught:
        push(DarajaClient.from_settings())

    assert caught.value.code == "404.001.03"
    assert len([r for r, _ in daraja.log if r.path.endswith("processrequest")]) == 2


def test_daraja_refusals_carry_its_message_and_code(daraja):
    token_ok(daraja)
    daraja.expect_request("/mpesa/stkpush/v1/processrequest").respond_with_json(
        {"requestId": "2", "errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid PhoneNumber"}, status=400
    )

    with pytest.raises(DarajaError) as caught:
        push(DarajaClient.from_settings())

    assert caught.value.message == "Bad Request - Invalid PhoneNumber"
    assert caught.value.code == "400.002.02"


def test_a_server_error_without_json_is_an_error(daraja):
    token_ok(daraja)
    daraja.expect_request("/mpesa/stkpush/v1/processrequest").respond_with_data("<html>502</html>", status=502)

    with pytest.raises(DarajaError) as caught:
        push(DarajaClient.from_settings())

    assert caught.value.status == 502


def test_a_slow_daraja_times_out(daraja, settings):
    settings.MPESA_READ_TIMEOUT = 0.2
    token_ok(daraja)

    def slow(request):
        time.sleep(0.6)
        return Response("{}", content_type="application/json")

    daraja.expect_request("/mpesa/stkpush/v1/processrequest").respond_with_handler(slow)

    with pytest.raises(DarajaError) as caught:
        push(DarajaClient.from_settings())

    assert caught.value.code == "timeout"
    time.sleep(0.6)  # let the loopback server finish the slow answer before the next test uses it


def test_an_unreachable_daraja_is_an_error(settings, db):
    settings.MPESA_BASE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port

    with pytest.raises(DarajaError) as caught:
        DarajaClient.from_settings().access_token()

    assert caught.value.code == "unreachable"


def test_the_stk_query_reads_the_result_code(daraja):
    token_ok(daraja)
    daraja.expect_request("/mpesa/stkpushquery/v1/query", method="POST").respond_with_json(
        {
            "ResponseCode": "0",
            "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": "1",
            "CheckoutRequestID": "ws_CO_1",
            "ResultCode": "1032",
            "ResultDesc": "Request cancelled by user",
        }
    )

    answer = DarajaClient.from_settings().stk_query(checkout_request_id="ws_CO_1", now=NOW)

    assert (answer.pending, answer.result_code, answer.result_desc) == (False, "1032", "Request cancelled by user")
    (query,) = [request for request, _ in daraja.log if request.path.endswith("/query")]
    body = json.loads(query.data)
    assert body["CheckoutRequestID"] == "ws_CO_1"
    assert body["Password"] == base64.b64encode(f"{SHORTCODE}{PASSKEY}20261201101530".encode()).decode()


def test_the_stk_query_being_processed_is_still_pending(daraja):
    token_ok(daraja)
    daraja.expect_request("/mpesa/stkpushquery/v1/query").respond_with_json(
        {"requestId": "3", "errorCode": "500.001.1001", "errorMessage": "The transaction is being processed"},
        status=500,
    )

    answer = DarajaClient.from_settings().stk_query(checkout_request_id="ws_CO_1")

    assert answer.pending is True


def test_no_secret_reaches_the_logs(daraja, caplog):
    token_ok(daraja, "secret-token-value")
    push_accepted(daraja)
    caplog.set_level(logging.DEBUG)

    push(DarajaClient.from_settings())

    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    password = base64.b64encode(f"{SHORTCODE}{PASSKEY}20261201101530".encode()).decode()
    for secret in ("consumer-secret-never-logged", PASSKEY, "secret-token-value", password):
        assert secret not in logged
    assert any(getattr(record, "mpesa_call", "") == "stk_push" for record in caplog.records)
