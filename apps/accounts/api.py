from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import login_limits
from apps.accounts.models import API_TOKEN_NAME_MAX_LENGTH
from apps.accounts.services import API_TOKEN_MAX_LIFETIME, api_token_create
from apps.core.throttling import SharedRateThrottle


class TokenThrottle(SharedRateThrottle):
    """20 a minute per client address, shared by every worker (with REDIS_URL)."""

    scope = "token"
    rate = "20/min"


class TokenRequestSerializer(AuthTokenSerializer):
    """The credentials, plus what to call the new token and when it should expire."""

    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=API_TOKEN_NAME_MAX_LENGTH,
        help_text='Shown on the tokens page; default "API token <date>".',
    )
    expires_in_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=API_TOKEN_MAX_LIFETIME.days,
        help_text="Days until the token stops working; omitted or null: never.",
    )


class TokenView(APIView):
    """Exchange a username and password for a new named API token; its key is in this
    response only (the database keeps a digest).

    A successful exchange is a login: Django's ``user_logged_in`` is sent (``auth.login``
    with channel ``api``, and the user's ``last_login``), as a failed one already sends
    ``user_login_failed``. While the username or the client address is locked by the
    login limits, it answers 429 (``code: login_locked``), whatever the password.
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (TokenThrottle,)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "Token",
                {
                    "token": serializers.CharField(),
                    "name": serializers.CharField(),
                    "expiry": serializers.DateTimeField(allow_null=True),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            # django-axes marks the request when the username or the address is locked;
            # the right password is refused then too (apps.accounts.login_limits).
            if getattr(request, "axes_locked_out", False):
                return Response(
                    login_limits.locked_payload(request),
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(login_limits.cool_off_seconds(request))},
                )
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        days = serializer.validated_data.get("expires_in_days")
        token, key = api_token_create(
            user=user,
            name=serializer.validated_data.get("name", ""),
            expires_in=timedelta(days=days) if days else None,
        )
        user_logged_in.send(sender=type(user), request=request, user=user)
        expiry = (
            serializers.DateTimeField().to_representation(token.expiry) if token.expiry else None
        )
        return Response({"token": key, "name": token.name, "expiry": expiry})
