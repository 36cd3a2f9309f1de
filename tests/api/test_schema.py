"""The OpenAPI schema: valid, every operation described with an example, every example true to
its shape, and the documentation served from the installed package."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.test import APIClient

from accounts import tokens


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        from io import StringIO

        out = StringIO()
        call_command("spectacular", "--format", "openapi-json", "--validate", stdout=out)
    return json.loads(out.getvalue())


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_the_schema_is_openapi_3_1_and_names_the_token_scheme(schema):
    assert schema["openapi"].startswith("3.1")
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    assert len(list(operations(schema))) >= 30


def test_every_operation_has_a_summary_a_description_and_an_example(schema):
    missing = []
    for label, operation in operations(schema):
        if not operation.get("summary") or not operation.get("description"):
            missing.append(f"{label}: no summary or description")
        examples = [
            content.get("examples")
            for part in [operation.get("requestBody", {})]
            + [r for code, r in operation["responses"].items() if code.startswith("2")]
            for content in part.get("content", {}).values()
        ]
        binary = any(
            "application/pdf" in r.get("content", {}) for r in operation["responses"].values()
        )
        if not any(examples) and not binary:
            missing.append(f"{label}: no example")
    assert missing == []


def test_every_example_is_valid_against_the_schema_it_illustrates(schema):
    registry = Registry().with_resource(
        "urn:api", Resource.from_contents(schema, default_specification=DRAFT202012)
    )
    checked = 0
    for label, operation in operations(schema):
        for code, response in operation["responses"].items():
            content = response.get("content", {}).get("application/json", {})
            for name, example in content.get("examples", {}).items():
                shape = _rebase(content["schema"])
                validator = Draft202012Validator(shape, registry=registry)
                problems = [e.message for e in validator.iter_errors(example["value"])]
                assert problems == [], f"{label} {code} example {name}: {problems}"
                checked += 1
    assert checked >= 25


def _rebase(schema: object) -> object:
    """A schema whose local references point into the registered document."""
    if isinstance(schema, dict):
        return {
            key: ("urn:api" + value if key == "$ref" else _rebase(value))
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_rebase(item) for item in schema]
    return schema


@pytest.mark.django_db
def test_the_interactive_documentation_is_served_from_the_installed_package(analyst):
    _, raw = tokens.create_token(analyst, name="docs", scope="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    page = client.get(reverse("api:docs"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html
