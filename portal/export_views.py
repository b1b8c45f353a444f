"""Export template (issue #9 point 4): a resource's ARM template.

A placeholder until the ARM helper builds the blade: the URL exists so every
resource menu's Automation > Export template reverses, and answers 404."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def export_template(
    request: HttpRequest, subscription_id, rg: str, provider: str, type_name: str, name: str
) -> HttpResponse:
    raise Http404("Export template is not available yet")
