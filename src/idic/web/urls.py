"""Shared pages: sign-in, sign-out, and the home page, which opens the customer search.

Each area's pages live in that area's ``urls.py``, included by ``idic.urls``.
"""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

app_name = "web"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", RedirectView.as_view(pattern_name="identify:search"), name="search"),
]
