from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.languages import choose_language
from accounts.mfa_views import mfa_recovery, mfa_remove, mfa_setup, mfa_verify
from accounts.token_views import api_token_revoke, api_tokens
from accounts.views import (
    PasswordChangeView,
    SignOutView,
    session_list,
    sign_out_everywhere,
)
from assessments import views as assessment_views

urlpatterns = [
    path("", assessment_views.watch, name="home"),
    path("", include("assessments.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/sessions/", session_list, name="sessions"),
    path("accounts/mfa/setup/", mfa_setup, name="mfa_setup"),
    path("accounts/mfa/code/", mfa_verify, name="mfa_verify"),
    path("accounts/mfa/recovery/", mfa_recovery, name="mfa_recovery"),
    path("accounts/mfa/<str:kind>/<int:pk>/remove/", mfa_remove, name="mfa_remove"),
    path("accounts/mfa/key/", include("accounts.webauthn")),
    path("accounts/sessions/end/", sign_out_everywhere, name="sign_out_everywhere"),
    path("accounts/tokens/", api_tokens, name="api_tokens"),
    path("accounts/tokens/<int:pk>/revoke/", api_token_revoke, name="api_token_revoke"),
    path("accounts/invitation/", include("accounts.invitations")),
    path("i18n/setlang/", choose_language, name="set_language"),
    path("framework/", include("framework.urls")),
    path("audit/", include("audit.urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "r2p_project.errors.bad_request"
handler403 = "r2p_project.errors.permission_denied"
handler404 = "r2p_project.errors.page_not_found"
handler500 = "r2p_project.errors.server_error"
