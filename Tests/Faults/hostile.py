"""Out-of-range values for every date, number and cursor the API reads, taken from openapi.yaml.

Parameters (query, path, header) are found in the document; body fields by walking a valid body
of each operation that takes one. Each value is sent alone, everything else valid, and the answer
must be below 500; the process must still answer /health afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import time

import yaml

from cursors import mutate_cursor
from harness import REPO, attempt, referral_body, request

NUMBERS = ["-1", "0", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
           "-9223372036854775809", "99999999999999999999999999", "1e308", "1e400", "-1e400", "NaN", "Infinity",
           "-0", "1.5", "0x10", "+5", " 5", ""]
DATES = ["0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "-0001-01-01", "+275760-09-13", "2026-02-29",
         "2026-13-01", "2026-1-1", "1582-10-10", "99999-01-01"]
INSTANTS = ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59.999999999-23:59",
            "10000-01-01T00:00:00Z", "+275760-09-13T00:00:00Z", "-271821-04-20T00:00:00Z", "1969-12-31T23:59:60Z",
            "2026-11-25T09:30:00+24:00", "2026-11-25T09:30:00." + "9" * 60 + "Z", "300000-01-01T00:00:00Z",
            "2026-11-25T09:30:00-00:60"]
# Body numbers as raw JSON text: beyond Int32, Int64 and Double, and the smallest subnormal.
JSON_NUMBERS = ["2147483648", "-2147483649", "9223372036854775808", "-9223372036854775809", "1e308", "-1e308",
                "1e400", "5e-324", "100000000000000000000000000000", "-0", "0.1e1"]
IF_MATCH = ['"-1"', '"0"', '"9223372036854775808"', '"99999999999999999999"', 'W/"1"', "*", '"1', ""]


def load_document() -> dict:
    with open(os.path.join(REPO, "openapi.yaml")) as handle:
        return yaml.safe_load(handle)


def resolve(document: dict, node):
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


class Target:
    """What the hostile requests need: real ids, so that a value reaches past the lookup."""

    def __init__(self, server, install) -> None:
        self.port, self.token, self.clinic_id = server.port, install.token, install.clinic_id
        created = request("POST", self.port, "/v1/referrals", body=referral_body(self.clinic_id, "HOSTILE-1"), token=self.token)
        assert created.status == 201, created.body
        self.referral_id = created.json()["id"]
        for index in range(3):
            request("POST", self.port, "/v1/referrals", body=referral_body(self.clinic_id, f"HOSTILE-{index + 2}"), token=self.token)
            request("GET", self.port, f"/v1/referrals/{self.referral_id}", token=self.token)
        self.resource_id = request("POST", self.port, f"/v1/clinics/{self.clinic_id}/resources", token=self.token,
                                   body=json.dumps({"kind": "procedure_room", "name": "Procedure Suite 1"})).json()["id"]
        self.referral_cursor = request("GET", self.port, "/v1/referrals?limit=1", token=self.token).json()["nextCursor"]
        self.audit_cursor = request("GET", self.port, f"/v1/audit?entityId={self.referral_id}&limit=1",
                                    token=self.token).json()["nextCursor"]

    def path_id(self, path: str) -> str:
        if path.startswith("/v1/clinics/"):
            return self.clinic_id
        if path.startswith("/v1/resources/"):
            return self.resource_id
        return self.referral_id

    def required_query(self, operation_id: str) -> dict[str, str]:
        return {
            "getAvailability": {"referralId": self.referral_id, "kind": "evaluation"},
            "getDaySheet": {"clinicId": self.clinic_id, "date": "2026-12-07"},
            "listAuditEntries": {"entityId": self.referral_id},
        }.get(operation_id, {})


VALID_BODIES = {
    "createReferral": lambda t: json.loads(referral_body(t.clinic_id, "HOSTILE-BODY")),
    "createImagingResult": lambda t: {
        "clinicId": t.clinic_id, "sourceSystem": "hostile-ris", "accessionNumber": "H-1", "resultStatus": "final",
        "modality": "MR", "performedAt": "2026-11-24T09:30:00-07:00",
        "patient": {"mrn": "H-IMG", "givenName": "Eleanor", "familyName": "Whitfield", "birthDate": "1958-03-14", "sex": "female"},
        "impression": "Acute L1 wedge compression fracture, 30% height loss, STIR edema.",
        "findings": [{"level": "L1", "heightLossPercent": 30, "morphology": "wedge", "edema": "present"}]},
    "createBlock": lambda t: {"starts": "2027-01-04T00:00:00-07:00", "ends": "2027-01-05T00:00:00-07:00",
                              "kind": "holiday", "reason": "New year"},
    "createAppointment": lambda t: {"referralId": t.referral_id, "kind": "evaluation", "start": "2027-01-04T09:00:00-07:00"},
    "rescheduleAppointment": lambda t: {"start": "2027-01-05T09:00:00-07:00"},
    "setVisitSettings": lambda t: {"minutesPerLevel": 60, "turnoverMinutes": 15, "recoveryMinutes": 90,
                                   "evaluationMinutes": 45, "followUpMinutes": 20, "holdMinutes": 30, "offerHours": 24},
    "setAvailabilityTemplate": lambda t: {"windows": [{"weekday": 1, "starts": "07:00", "ends": "17:00"}]},
    "createClinic": lambda t: {"name": "Hostile Clinic", "timeZone": "America/Denver",
                               "hours": [{"weekday": 1, "opens": "07:00", "closes": "17:00"}]},
    "createEvaluation": lambda t: {"inputs": {
        "painNRS": 6, "hospitalised": False, "painWorsening": False, "furtherHeightLoss": False, "kyphoticDeformity": True,
        "rolandMorris": 12, "painFromTargetFracture": True, "conservativeCare": {"bracing": True, "weeks": 5},
        "boneDensityReferral": True, "osteoporosisEducation": True, "levels": ["L1"], "anesthesia": "local_with_sedation",
        "anticoagulant": "warfarin", "inr": 1.2, "platelets": 210}, "decision": {"outcome": "deferred", "reevaluateOn": "2027-02-01"}},
    "createCandidacyRuleSetVersion": lambda t: {"name": "hostile-set", "payer": "Hostile Payer", "parameters": {
        "highestLevel": "T5", "lowestLevel": "L5", "minimumPainHospitalised": 8, "minimumPainOutpatient": 6,
        "stablePainCriteriaRequired": 2, "conservativeCareWeeks": 6, "maximumLevelsPerSession": 2, "myelomaExempt": False,
        "pregnancyIsAbsolute": True, "severeCollapseWarningPercent": 70, "maximumINR": 1.5, "minimumPlatelets": 50}},
}

DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def leaves(value, path=()):
    """Every (path, leaf) of a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, path + (index,))
    else:
        yield path, value


def body_with(body, path, raw: str) -> str:
    """The body as JSON text with the leaf at `path` replaced by raw JSON text."""
    marker = "\u0000HOSTILE\u0000"
    copy = json.loads(json.dumps(body))
    node = copy
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = marker
    return json.dumps(copy).replace(json.dumps(marker), raw)


def run(server, install) -> int:
    document = load_document()
    target = Target(server, install)
    sent = 0
    failures: list[str] = []

    def send(method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None) -> None:
        nonlocal sent
        sent += 1
        answer = attempt(method, target.port, path, body=body, token=target.token, headers=headers, timeout=30)
        if answer.status is None or answer.status >= 500:
            failures.append(f"{method} {path} {headers or ''} {(body or '')[:160]} -> {answer.status} {answer.error or answer.body[:200]!r}")
            if server.process.poll() is not None:
                raise AssertionError(f"the server stopped after: {failures[-1]}")

    from urllib.parse import quote, urlencode
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            operation_id = operation["operationId"]
            parameters = [resolve(document, p) for p in operation.get("parameters", []) + item.get("parameters", [])]
            concrete = path.replace("{id}", target.path_id(path))
            base_query = target.required_query(operation_id)
            body = VALID_BODIES.get(operation_id, lambda t: None)(target) if "requestBody" in operation else None
            body_text = json.dumps(body) if body is not None else ("{}" if "requestBody" in operation else None)
            for parameter in parameters:
                schema = resolve(document, parameter.get("schema", {}))
                name, where = parameter["name"], parameter["in"]
                kind, fmt = schema.get("type"), schema.get("format")
                if name == "cursor":
                    values = mutate_cursor(target.referral_cursor) + mutate_cursor(target.audit_cursor)
                elif kind in ("integer", "number"):
                    values = NUMBERS
                elif fmt == "date-time":
                    values = INSTANTS
                elif fmt == "date" or name in ("date", "procedureDate"):
                    values = DATES
                elif name == "If-Match":
                    values = IF_MATCH
                else:
                    continue
                for value in values:
                    if where == "query":
                        send(method.upper(), concrete + "?" + urlencode({**base_query, name: value}, quote_via=quote), body_text)
                    elif where == "header":
                        query = ("?" + urlencode(base_query)) if base_query else ""
                        send(method.upper(), concrete + query, body_text, headers={name: value})
                    elif where == "path":
                        send(method.upper(), path.replace("{" + name + "}", quote(value, safe="")) + (
                            "?" + urlencode(base_query) if base_query else ""), body_text)
            if body is None:
                continue
            query = ("?" + urlencode(base_query)) if base_query else ""
            headers = {"If-Match": '"1"'} if method == "patch" else None
            for leaf_path, leaf in leaves(body):
                if isinstance(leaf, bool):
                    continue
                if isinstance(leaf, (int, float)):
                    values = JSON_NUMBERS
                elif isinstance(leaf, str) and DATE_TIME.match(leaf):
                    values = [json.dumps(v) for v in INSTANTS]
                elif isinstance(leaf, str) and DATE.match(leaf):
                    values = [json.dumps(v) for v in DATES]
                else:
                    continue
                for raw in values:
                    send(method.upper(), concrete + query, body_with(body, leaf_path, raw), headers=headers)

    # Chunked bodies over the 1 MiB limit, with and without a token: 413, never 500.
    for token in (target.token, None):
        sent += 1
        connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            chunk = b"{" + b" " * (64 * 1024 - 1)
            connection.request("POST", "/v1/referrals", body=iter([chunk] * 40), headers=headers, encode_chunked=True)
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException) as error:
            status = f"no answer ({error})"
        finally:
            connection.close()
        if status != 413:
            failures.append(f"chunked 2.5 MiB body (token: {bool(token)}) -> {status}, expected 413")

    health = attempt("GET", target.port, "/health")
    if health.status != 200:
        failures.append(f"/health after the hostile requests: {health.status} {health.error}")
    if failures:
        raise AssertionError(f"{len(failures)} of {sent} hostile requests failed; first ones:\n  " + "\n  ".join(failures[:15]))
    return sent
