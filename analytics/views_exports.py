"""GET `analytics/export/{kind}?format=csv|xlsx`: the exports of `analytics.exports`, streamed."""

import tempfile

from django.http import FileResponse, Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from analytics.exports import CONTENT_TYPES, EXPORTS, FORMATS, KINDS, csv_chunks, filename, write_xlsx
from analytics.params import RangeParamsSerializer, parse_params
from analytics.permissions import CanReadAnalytics


class ExportParamsSerializer(RangeParamsSerializer):
    format = serializers.ChoiceField(choices=FORMATS, default="csv", help_text="csv (default) or xlsx.")


class ExportView(APIView):
    permission_classes = [CanReadAnalytics]

    def perform_content_negotiation(self, request, force=False):
        # `?format=` names the file's format here, not a renderer: errors are answered in JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="analytics_export",
        tags=["analytics"],
        parameters=[
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(KINDS)),
            ExportParamsSerializer,
        ],
        responses={(200, content_type.split(";")[0]): OpenApiTypes.BINARY for content_type in CONTENT_TYPES.values()},
    )
    def get(self, request, kind: str):
        if kind not in EXPORTS:
            raise Http404
        params, data = parse_params(request.query_params, ExportParamsSerializer)
        days, fmt = params.range, data["format"]
        if fmt == "xlsx":
            temporary = tempfile.TemporaryFile()  # noqa: SIM115 -- closed (and so removed) by the response
            try:
                write_xlsx(kind, days, temporary)
            except BaseException:
                temporary.close()
                raise
            temporary.seek(0)
            response = FileResponse(temporary, content_type=CONTENT_TYPES[fmt])
        else:
            response = StreamingHttpResponse(csv_chunks(kind, days), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{filename(kind, days, fmt)}"'
        return response
