"""The Control Service's API document (datajob-api.yaml, from vmware/versatile-data-kit; origin
in its header) as a checker of requests and answers, with openapi-core."""
from __future__ import annotations

import pathlib
from typing import Optional

import yaml
from openapi_core import Config
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.validation.request.validators import V30RequestBodyValidator
from openapi_core.validation.request.validators import V30RequestParametersValidator
from openapi_core.validation.request.validators import V30RequestSecurityValidator
from openapi_core.validation.response.validators import V30ResponseValidator
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

DOCUMENT = pathlib.Path(__file__).with_name("datajob-api.yaml")


def known_deviation(operation: str, status: int, body: bytes) -> bool:
    """Answers of the running service that the document does not list (see issue 8)."""
    return ((operation == "sourcesUpload" and status == 404)  # upload for a job never created
            or (operation == "dataJobUpdate" and status == 200)
            or (status in (404, 409) and not body)  # empty bodies
            or (status == 401 and not body)  # bearerAuth is declared, 401 is not listed
            or status >= 500)  # no 5xx is listed; any service may fail


class ApiDocument:
    def __init__(self, server_url: str):
        document = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
        document["servers"] = [{"url": server_url}]  # it names quickstart-vdk's address
        # The document itself does not pass openapi-spec-validator (a `default: null` on a
        # property that is not nullable, DataJobDeploymentStatus.last_deployed_date); that does
        # not touch what is checked here.
        self.spec = OpenAPI.from_dict(document, config=Config(spec_validator_cls=None)).spec

    def request_problem(self, request: Request, with_security: bool) -> Optional[str]:
        """What in the request strays from the document (path, parameters, body; the bearer
        token when the service requires one); None if nothing."""
        checks = [V30RequestParametersValidator, V30RequestBodyValidator]
        if with_security:
            checks.append(V30RequestSecurityValidator)
        for check in checks:
            problem = _problem(lambda check=check: check(self.spec).validate(WerkzeugOpenAPIRequest(request)))
            if problem:
                return problem
        return None

    def answer_problem(self, request: Request, response: Response) -> Optional[str]:
        return _problem(lambda: V30ResponseValidator(self.spec).validate(
            WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)))


def _problem(validate) -> Optional[str]:
    try:
        validate()
    except Exception as e:  # noqa: BLE001 - openapi-core's validation errors
        details = "; ".join(str(x) for x in getattr(e, "schema_errors", []) or [])
        return f"{e} {details}".strip()
    return None
