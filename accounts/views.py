from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from accounts import selectors, services
from accounts.models import Address, Role, User
from accounts.permissions import IsAdminRole
from accounts.serializers import (
    AddressSerializer,
    AdminUserSerializer,
    ChangePasswordResponseSerializer,
    ChangePasswordSerializer,
    DetailSerializer,
    ForgotPasswordSerializer,
    LoginActivitySerializer,
    LoginResponseSerializer,
    LoginSerializer,
    RefreshRequestSerializer,
    RegisterSerializer,
    ResetPasswordSerializer,
    TokenPairSerializer,
    UserSerializer,
    VerifyEmailSerializer,
)
from core.filters import FilterSet
from core.openapi import client_error, conflict
from core.throttles import AUTH_THROTTLES


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class RegisterView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = AUTH_THROTTLES

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer}, tags=["auth"])
    def post(self, request):
        user = services.user_register(**_validated(RegisterSerializer, request))
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = AUTH_THROTTLES

    def get_authenticate_header(self, request):
        # With no authenticators DRF would turn wrong credentials into 403; API.md says 401.
        return 'Bearer realm="api"'

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: LoginResponseSerializer,
            401: client_error("Wrong email or password, or an inactive account."),
            429: client_error(
                "`account_locked` after too many failures for this email from this address, or "
                "`throttled`; retry after `Retry-After` seconds."
            ),
        },
        tags=["auth"],
    )
    def post(self, request):
        data = _validated(LoginSerializer, request)
        result = services.user_login(request=request._request, email=data["email"], password=data["password"])
        return Response(
            {"access": result.tokens.access, "refresh": result.tokens.refresh, "user": UserSerializer(result.user).data}
        )


class RefreshView(TokenRefreshView):
    """Rotate a refresh token: the old one is blacklisted, an inactive user gets 401."""

    @extend_schema(
        request=RefreshRequestSerializer,
        responses={
            200: TokenPairSerializer,
            401: client_error("The refresh token is invalid, expired or blacklisted, or its user is inactive."),
        },
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    @extend_schema(request=RefreshRequestSerializer, responses={204: None}, tags=["auth"])
    def post(self, request):
        services.user_logout(user=request.user, refresh=_validated(RefreshRequestSerializer, request)["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class VerifyEmailView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = AUTH_THROTTLES

    @extend_schema(request=VerifyEmailSerializer, responses={200: DetailSerializer}, tags=["auth"])
    def post(self, request):
        services.email_verify(token=_validated(VerifyEmailSerializer, request)["token"])
        return Response({"detail": "Your email address is verified."})


class VerifyEmailLinkView(APIView):
    """The link in the verification email."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = AUTH_THROTTLES

    @extend_schema(responses={200: DetailSerializer}, tags=["auth"], operation_id="auth_verify_email_link")
    def get(self, request, token: str):
        services.email_verify(token=token)
        return Response({"detail": "Your email address is verified."})


class ResendVerificationView(APIView):
    throttle_classes = AUTH_THROTTLES

    @extend_schema(request=None, responses={202: DetailSerializer}, tags=["auth"])
    def post(self, request):
        services.email_verification_resend(user=request.user)
        return Response({"detail": "If your address is not verified yet, a new link is on its way."}, status=202)


class ForgotPasswordView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = AUTH_THROTTLES

    @extend_schema(request=ForgotPasswordSerializer, responses={202: DetailSerializer}, tags=["auth"])
    def post(self, request):
        services.password_reset_request(email=_validated(ForgotPasswordSerializer, request)["email"])
        return Response(
            {"detail": "If an account uses this email, a 6-digit code has been sent to it."},
            status=status.HTTP_202_ACCEPTED,
        )


class ResetPasswordView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = AUTH_THROTTLES

    @extend_schema(request=ResetPasswordSerializer, responses={200: DetailSerializer}, tags=["auth"])
    def post(self, request):
        services.password_reset_confirm(**_validated(ResetPasswordSerializer, request))
        return Response({"detail": "Your password has been reset. Sign in with the new password."})


class ChangePasswordView(APIView):
    @extend_schema(request=ChangePasswordSerializer, responses={200: ChangePasswordResponseSerializer}, tags=["auth"])
    def post(self, request):
        tokens = services.password_change(user=request.user, **_validated(ChangePasswordSerializer, request))
        return Response(
            {
                "detail": "Your password has been changed; other sessions are signed out.",
                "access": tokens.access,
                "refresh": tokens.refresh,
            }
        )


class MeView(generics.GenericAPIView):
    serializer_class = UserSerializer

    @extend_schema(tags=["auth"])
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(tags=["auth"])
    def patch(self, request):
        serializer = UserSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, data=serializer.validated_data)
        return Response(UserSerializer(user).data)


@extend_schema(tags=["auth"])
class MyActivityView(generics.ListAPIView):
    serializer_class = LoginActivitySerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.login_activity_list(user=self.request.user)


@extend_schema(tags=["addresses"])
class AddressViewSet(viewsets.ModelViewSet):
    serializer_class = AddressSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []

    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no signed-in user
            return Address.objects.none()
        # The one place that scopes addresses to their owner: another user's id answers 404.
        return selectors.address_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.address_create(user=self.request.user, data=dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = services.address_update(address=serializer.instance, data=dict(serializer.validated_data))

    def perform_destroy(self, instance):
        services.address_delete(address=instance)


class UserFilter(FilterSet):
    role = filters.ChoiceFilter(choices=Role.choices)
    is_active = filters.BooleanFilter()

    class Meta:
        model = User
        fields = ["role", "is_active"]


@extend_schema_view(
    partial_update=extend_schema(
        responses={200: AdminUserSerializer, 409: conflict("An admin cannot demote or deactivate themselves.")}
    )
)
@extend_schema(tags=["users"])
class UserAdminViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    serializer_class = AdminUserSerializer
    permission_classes = [IsAdminRole]
    filterset_class = UserFilter
    search_fields = ["email", "first_name", "last_name", "phone"]
    ordering_fields = ["date_joined", "email", "last_login", "total_spent", "orders_count"]
    http_method_names = ["get", "patch", "head", "options"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.user_list()

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.user_admin_update(
            actor=self.request.user, user=serializer.instance, role=data.get("role"), is_active=data.get("is_active")
        )
