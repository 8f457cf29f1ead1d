"""
Daraja (Safaricom's M-Pesa API) over HTTP, and nothing else: the OAuth token, the STK push and
the STK query. What the answers mean for a payment is for `gateway.py` and the services.

The token is shared by every worker through the cache (Daraja invalidates the previous token when
a new one is issued, so each process fetching its own would keep breaking the others'). Every
call is logged with structured `extra`; the consumer secret, the passkey, the password and the
token never are.
"""

import base64
import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("payments.mpesa")

NAIROBI = ZoneInfo("Africa/Nairobi")
INVALID_TOKEN = "404.001.03"  # noqa: S105 (an error code, not a secret)
STILL_PROCESSING = "500.001.1001"
TOKEN_MARGIN_SECONDS = 60  # renew a little before Daraja's expiry, so no call goes out with a dying token


class DarajaError(Exception):
    """Daraja could not be reached, or refused the request; `code` is its errorCode when it gave one."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


@dataclass(frozen=True)
class StkPushAccepted:
    merchant_request_id: str
    checkout_request_id: str
    customer_message: str
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StkQueryAnswer:
    """`pending` while Daraja says the transaction is still being processed; else its ResultCode."""

    pending: bool
    result_code: str = ""
    result_desc: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def nairobi_timestamp(now: datetime | None = None) -> str:
    """Daraja's `Timestamp`: YYYYMMDDHHMMSS in Nairobi time, whatever the server's zone."""
    return (now or datetime.now(tz=NAIROBI)).astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")


class DarajaClient:
    def __init__(
        self,
        *,
        base_url: str,
        consumer_key: str,
        consumer_secret: str,
        shortcode: str,
        passkey: str,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.shortcode = shortcode
        self.passkey = passkey
        self.timeout = (connect_timeout, read_timeout)
        self.session = session or requests.Session()
        key_id = hashlib.sha256(f"{self.base_url}|{consumer_key}".encode()).hexdigest()[:16]
        self.token_cache_key = f"payments:mpesa:token:{key_id}"

    @classmethod
    def from_settings(cls) -> "DarajaClient":
        return cls(
            base_url=settings.MPESA_BASE_URL,
            consumer_key=settings.MPESA_CONSUMER_KEY,
            consumer_secret=settings.MPESA_CONSUMER_SECRET,
            shortcode=settings.MPESA_SHORTCODE,
            passkey=settings.MPESA_PASSKEY,
            connect_timeout=settings.MPESA_CONNECT_TIMEOUT,
            read_timeout=settings.MPESA_READ_TIMEOUT,
        )

    # --- OAuth ----------------------------------------------------------------------------------

    def access_token(self, *, renew: bool = False) -> str:
        if not renew:
            token = cache.get(self.token_cache_key)
            if token:
                return token
        body = self._request(
            "GET",
            "/oauth/v1/generate?grant_type=client_credentials",
            call="oauth",
            auth=(self.consumer_key, self.consumer_secret),
        )
        token = body.get("access_token")
        if not token:
            raise DarajaError("Daraja answered the token request without an access_token.")
        try:
            lifetime = int(str(body.get("expires_in", "3599")).strip())  # Daraja sends it as a string
        except ValueError:
            lifetime = 3599
        cache.set(self.token_cache_key, token, max(lifetime - TOKEN_MARGIN_SECONDS, 1))
        return token

    # --- Lipa Na M-Pesa Online ------------------------------------------------------------------

    def password(self, timestamp: str) -> str:
        return base64.b64encode(f"{self.shortcode}{self.passkey}{timestamp}".encode()).decode()

    def stk_push(
        self,
        *,
        amount: int,
        phone: str,
        callback_url: str,
        account_reference: str,
        description: str,
        transaction_type: str,
        party_b: str,
        now: datetime | None = None,
    ) -> StkPushAccepted:
        timestamp = nairobi_timestamp(now)
        body = self._authorized_post(
            "/mpesa/stkpush/v1/processrequest",
            {
                "BusinessShortCode": self.shortcode,
                "Password": self.password(timestamp),
                "Timestamp": timestamp,
                "TransactionType": transaction_type,
                "Amount": amount,
                "PartyA": phone,
                "PartyB": party_b,
                "PhoneNumber": phone,
                "CallBackURL": callback_url,
                "AccountReference": account_reference[:12],
                "TransactionDesc": description[:13],
            },
            call="stk_push",
        )
        if str(body.get("ResponseCode")) != "0" or not body.get("CheckoutRequestID"):
            raise DarajaError(
                str(body.get("ResponseDescription") or body.get("errorMessage") or "Daraja refused the STK push."),
                code=str(body.get("ResponseCode") or body.get("errorCode") or ""),
            )
        return StkPushAccepted(
            merchant_request_id=str(body.get("MerchantRequestID", "")),
            checkout_request_id=str(body["CheckoutRequestID"]),
            customer_message=str(body.get("CustomerMessage", "")),
            raw=body,
        )

    def stk_query(self, *, checkout_request_id: str, now: datetime | None = None) -> StkQueryAnswer:
        timestamp = nairobi_timestamp(now)
        try:
            body = self._authorized_post(
                "/mpesa/stkpushquery/v1/query",
                {
                    "BusinessShortCode": self.shortcode,
                    "Password": self.password(timestamp),
                    "Timestamp": timestamp,
                    "CheckoutRequestID": checkout_request_id,
                },
                call="stk_query",
            )
        except DarajaError as error:
            if error.code == STILL_PROCESSING:
                return StkQueryAnswer(pending=True, result_desc=error.message)
            raise
        if "ResultCode" not in body:
            raise DarajaError(str(body.get("ResponseDescription") or "Daraja's answer had no ResultCode."))
        return StkQueryAnswer(
            pending=False,
            result_code=str(body["ResultCode"]).strip(),
            result_desc=str(body.get("ResultDesc", "")),
            raw=body,
        )

    # --- HTTP -----------------------------------------------------------------------------------

    def _authorized_post(self, path: str, payload: dict, *, call: str) -> dict:
        """POST with the shared token; when Daraja says the token is invalid, get a new one and try once more."""
        try:
            return self._request("POST", path, call=call, json=payload, token=self.access_token())
        except DarajaError as error:
            if error.code != INVALID_TOKEN:
                raise
            logger.info("Daraja refused the access token; renewing it once", extra={"mpesa_call": call})
            return self._request("POST", path, call=call, json=payload, token=self.access_token(renew=True))

    def _request(self, method: str, path: str, *, call: str, token: str | None = None, **kwargs) -> dict:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.monotonic()
        log = {"mpesa_call": call, "mpesa_path": path.split("?")[0]}
        try:
            response = self.session.request(
                method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except requests.Timeout as exc:
            logger.warning("Daraja timed out", extra={**log, "duration_ms": _ms(started)})
            raise DarajaError("M-Pesa did not answer in time; please try again.", code="timeout") from exc
        except requests.RequestException as exc:
            logger.warning("Daraja unreachable", extra={**log, "error": type(exc).__name__})
            raise DarajaError("M-Pesa could not be reached; please try again.", code="unreachable") from exc
        log.update(status=response.status_code, duration_ms=_ms(started))
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            logger.warning("Daraja answered without JSON", extra=log)
            raise DarajaError(f"M-Pesa answered with HTTP {response.status_code}.", status=response.status_code)
        error_code = str(body.get("errorCode") or "")
        log.update(
            error_code=error_code,
            checkout_request_id=body.get("CheckoutRequestID", ""),
            response_code=str(body.get("ResponseCode", "")),
            result_code=str(body.get("ResultCode", "")),
        )
        if response.status_code >= 400 or error_code:
            logger.warning("Daraja refused the request", extra=log)
            message = str(body.get("errorMessage") or body.get("ResponseDescription") or f"HTTP {response.status_code}")
            raise DarajaError(message, code=error_code, status=response.status_code)
        logger.info("Daraja call", extra=log)
        return body


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
