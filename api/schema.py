"""The OpenAPI schema's additions: the token scheme, and the refusals every operation may
answer, so that a client (and the schema test) knows each status code it can meet."""

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object

from api.serializers import ErrorSerializer

#: Status code: when it is answered.
REFUSALS = {
    "400": "The input is not valid: `errors` says what is wrong, per field.",
    "401": "No valid token or session: the token is missing, wrong, expired or revoked.",
    "403": "Your role, or a read-only token, does not allow this.",
    "404": "No such object, or one you may not see.",
    "409": "The state does not allow it now (for example a stale version or content hash).",
    "429": "Too many requests: wait the seconds the Retry-After header gives.",
}
#: The refusals a read may meet (a write may meet them all).
READ_REFUSALS = ("400", "401", "403", "404", "429")


class ApiSchema(AutoSchema):
    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)
        codes = READ_REFUSALS if self.method in ("GET", "HEAD") else tuple(REFUSALS)
        for code in codes:
            if code not in bodies:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = REFUSALS[code]
                bodies[code] = response
        return bodies


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        scheme: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106  # nosec B106: the scheme's name, not a secret
        )
        scheme["description"] = (
            "A personal API token, made on your profile's API tokens page: "
            "`Authorization: Bearer r2p_...`."
        )
        return scheme
