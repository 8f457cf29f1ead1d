from accounts import views
from core.routers import OptionalSlashRouter, route

router = OptionalSlashRouter()
router.register("addresses", views.AddressViewSet, basename="address")
router.register("users", views.UserAdminViewSet, basename="user")

urlpatterns = [
    route("auth/register", views.RegisterView.as_view(), "auth-register"),
    route("auth/login", views.LoginView.as_view(), "auth-login"),
    route("auth/refresh", views.RefreshView.as_view(), "auth-refresh"),
    route("auth/logout", views.LogoutView.as_view(), "auth-logout"),
    route("auth/verify-email", views.VerifyEmailView.as_view(), "auth-verify-email"),
    route("auth/verify-email/(?P<token>[^/]+)", views.VerifyEmailLinkView.as_view(), "auth-verify-email-link"),
    route("auth/resend-verification", views.ResendVerificationView.as_view(), "auth-resend-verification"),
    route("auth/forgot-password", views.ForgotPasswordView.as_view(), "auth-forgot-password"),
    route("auth/reset-password", views.ResetPasswordView.as_view(), "auth-reset-password"),
    route("auth/change-password", views.ChangePasswordView.as_view(), "auth-change-password"),
    route("auth/me", views.MeView.as_view(), "auth-me"),
    route("auth/me/activity", views.MyActivityView.as_view(), "auth-me-activity"),
    *router.urls,
]
