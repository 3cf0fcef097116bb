"""The one shape of every API error: ``{"errors": {field: [message]}}``."""

from django.http import JsonResponse


def error_response(errors: dict[str, list[str]], status: int = 400) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status)
