"""Every refusal in one shape: ``{"detail": "...", "code": "..."}``, plus ``"errors"`` per
field for a refused input. The workflow's refusals are 409 (the state does not allow it) or
400 (the input does not), with the same words as on the pages."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from assessments.workflow import EditConflict, WorkflowError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, EditConflict):
        exc = Conflict(str(exc), code="edit_conflict")
    elif isinstance(exc, WorkflowError):
        exc = Conflict(str(exc), code="refused")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            {"detail": exc.messages} if not hasattr(exc, "error_dict") else exc.message_dict
        )
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": _("The input is not valid: see errors."),
            "code": "invalid",
            "errors": response.data,
        }
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data = {"detail": str(detail), "code": getattr(detail, "code", "error")}
    return response
