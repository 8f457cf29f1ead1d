"""Schema pieces for error answers the generic error schemas do not cover (409, 502, 503)."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class BusinessErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="e.g. `out_of_stock`, `invalid_transition` (API.md lists them).")
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class BusinessErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["client_error", "server_error"])
    errors = BusinessErrorSerializer(many=True)


def conflict(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=BusinessErrorResponseSerializer, description=description)
