"""Thin views over `analytics.selectors`: parse the parameters, call the report, shape the answer."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import selectors
from analytics.params import RangeParamsSerializer, parse_params
from analytics.permissions import CanReadAnalytics, CanReadRepairsReport
from analytics.serializers import (
    CartsReportSerializer,
    CohortRowSerializer,
    CustomersReportSerializer,
    DashboardSerializer,
    InventoryReportSerializer,
    OrdersReportSerializer,
    PaymentsReportSerializer,
    RegionRowSerializer,
    RepairsReportSerializer,
    SalesParamsSerializer,
    SalesRowSerializer,
    TaxParamsSerializer,
    TaxRowSerializer,
    TopCategorySerializer,
    TopParamsSerializer,
    TopProductSerializer,
)


class ReportView(APIView):
    permission_classes = [CanReadAnalytics]


class DashboardView(ReportView):
    @extend_schema(operation_id="analytics_dashboard", tags=["analytics"], parameters=[RangeParamsSerializer],
                   responses=DashboardSerializer)  # fmt: skip
    def get(self, request):
        params, _ = parse_params(request.query_params)
        return Response(DashboardSerializer(selectors.dashboard(params=params)).data)


class OrdersReportView(ReportView):
    @extend_schema(operation_id="analytics_orders", tags=["analytics"], parameters=[RangeParamsSerializer],
                   responses=OrdersReportSerializer)  # fmt: skip
    def get(self, request):
        params, _ = parse_params(request.query_params)
        return Response(OrdersReportSerializer(selectors.orders(params=params)).data)


class SalesView(ReportView):
    @extend_schema(operation_id="analytics_sales", tags=["analytics"], parameters=[SalesParamsSerializer],
                   responses=SalesRowSerializer(many=True))  # fmt: skip
    def get(self, request):
        params, data = parse_params(request.query_params, SalesParamsSerializer)
        rows = selectors.sales(params=params, period=data["period"])
        return Response(SalesRowSerializer(rows, many=True).data)


class TaxView(ReportView):
    @extend_schema(operation_id="analytics_tax", tags=["analytics"], parameters=[TaxParamsSerializer],
                   responses=TaxRowSerializer(many=True))  # fmt: skip
    def get(self, request):
        params, _ = parse_params(request.query_params, TaxParamsSerializer)
        return Response(TaxRowSerializer(selectors.tax(params=params), many=True).data)


class TopProductsView(ReportView):
    @extend_schema(operation_id="analytics_products_top", tags=["analytics"], parameters=[TopParamsSerializer],
                   responses=TopProductSerializer(many=True))  # fmt: skip
    def get(self, request):
        params, data = parse_params(request.query_params, TopParamsSerializer)
        rows = selectors.top_products(params=params, by=data["by"], limit=data["limit"])
        return Response(TopProductSerializer(rows, many=True).data)


class TopCategoriesView(ReportView):
    @extend_schema(operation_id="analytics_categories_top", tags=["analytics"], parameters=[TopParamsSerializer],
                   responses=TopCategorySerializer(many=True))  # fmt: skip
    def get(self, request):
        params, data = parse_params(request.query_params, TopParamsSerializer)
        rows = selectors.top_categories(params=params, by=data["by"], limit=data["limit"])
        return Response(TopCategorySerializer(rows, many=True).data)


class RegionsView(ReportView):
    @extend_schema(operation_id="analytics_regions", tags=["analytics"], parameters=[RangeParamsSerializer],
                   responses=RegionRowSerializer(many=True))  # fmt: skip
    def get(self, request):
        params, _ = parse_params(request.query_params)
        return Response(RegionRowSerializer(selectors.regions(params=params), many=True).data)


class PaymentsReportView(ReportView):
    @extend_schema(operation_id="analytics_payments", tags=["analytics"], parameters=[RangeParamsSerializer],
                   responses=PaymentsReportSerializer)  # fmt: skip
    def get(self, request):
        params, _ = parse_params(request.query_params)
        return Response(PaymentsReportSerializer(selectors.payments(params=params)).data)


class RepairsReportView(ReportView):
    permission_classes = [CanReadRepairsReport]

    @extend_schema(operation_id="analytics_repairs", tags=["analytics"], parameters=[RangeParamsSerializer],
                   responses=RepairsReportSerializer)  # fmt: skip
    def get(self, request):
        params, _ = parse_params(request.query_params)
        return Response(RepairsReportSerializer(selectors.repairs(params=params)).data)


class CustomersReportView(ReportView):
    @extend_schema(operation_id="analytics_customers", tags=["analytics"], parameters=[RangeParamsSerializer],
                   responses=CustomersReportSerializer)  # fmt: skip
    def get(self, request):
        params, _ = parse_params(request.query_params)
        return Response(CustomersReportSerializer(selectors.customers(params=params)).data)


class InventoryReportView(ReportView):
    @extend_schema(operation_id="analytics_inventory", tags=["analytics"], parameters=[RangeParamsSerializer],
                   responses=InventoryReportSerializer)  # fmt: skip
    def get(self, request):
        params, _ = parse_params(request.query_params)
        return Response(InventoryReportSerializer(selectors.inventory(params=params)).data)


class CartsReportView(ReportView):
    @extend_schema(operation_id="analytics_carts", tags=["analytics"], parameters=[RangeParamsSerializer],
                   responses=CartsReportSerializer)  # fmt: skip
    def get(self, request):
        params, _ = parse_params(request.query_params)
        return Response(CartsReportSerializer(selectors.carts(params=params)).data)


class CohortsView(ReportView):
    @extend_schema(operation_id="analytics_customers_cohorts", tags=["analytics"], parameters=[RangeParamsSerializer],
                   responses=CohortRowSerializer(many=True))  # fmt: skip
    def get(self, request):
        params, _ = parse_params(request.query_params)
        return Response(CohortRowSerializer(selectors.cohorts(params=params), many=True).data)
