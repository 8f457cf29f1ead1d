from rest_framework import status
from rest_framework.exceptions import APIException, AuthenticationFailed, Throttled


class InvalidCredentials(AuthenticationFailed):
    default_detail = "Invalid email or password."
    default_code = "invalid_credentials"


class AccountLocked(Throttled):
    """Too many failed sign-ins for this email from this address; `wait` becomes Retry-After."""

    default_code = "account_locked"

    def __init__(self, wait: int):
        super().__init__(
            wait=wait,
            detail=f"Too many failed sign-in attempts. Try again in {wait} seconds, or reset your password.",
            code=self.default_code,
        )


class InvalidToken(APIException):
    """A signed link or refresh token that is tampered with, expired or already revoked."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This token is invalid or has expired."
    default_code = "token_not_valid"
