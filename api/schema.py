"""The OpenAPI schema's word on how to sign in: a bearer token, or a browser's session."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from your account's API tokens page: "
            "`Authorization: Bearer rr_...`",
        }
