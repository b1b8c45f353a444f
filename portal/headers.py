"""The Permissions-Policy header (docs/hosting.md, "Security headers").

Django sends the Content-Security-Policy (``SECURE_CSP``), Referrer-Policy
and X-Content-Type-Options itself; it has nothing for Permissions-Policy.
The lab never asks for a camera, a location or a payment, so every page
says so: a script that got in anyway can't ask for them either.
"""

from functools import cache

from django.conf import settings


@cache
def permissions_policy(features: tuple[str, ...]) -> str:
    """``camera=(), microphone=(), ...``: each feature allowed to no origin."""
    return ", ".join(f"{feature}=()" for feature in features)


class PermissionsPolicyMiddleware:
    """Adds Permissions-Policy to every response that has none of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions_policy(tuple(settings.VNETLAB_PERMISSIONS_POLICY))
        return response
