#!/usr/bin/env python3
"""The interoperability tests: the real `clinic serve` (HTTP and MLLP) on loopback, one PostgreSQL
cluster of its own, and third-party libraries reading what it writes:

  - HL7 v2 ORU^R01 messages built with hl7apy (and raw ones written by hand the way radiology
    systems send them) over `POST /v1/hl7/oru` and MLLP; every ACK read back with hl7apy;
  - every FHIR resource the server emits parsed and validated by fhir.resources, pinned to its
    last FHIR R4 (4.0.1) release;
  - a FHIR search walked to its end by fhirpy's SyncFHIRClient;
  - the SMART Scheduling Links `$bulk-publish` manifest and its NDJSON files.

The clinical example throughout: a 68-year-old woman with an acute L1 wedge compression
fracture, 30% height loss, with STIR edema on MRI.

Usage: interop.py [SCENARIO ...]   (default: all; --list names them)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Faults"))
from harness import (OWNER_ROLE, Answer, Cluster, Failure, Server, check, free_port,  # noqa: E402,F401
                     request, run_clinic, run_scenarios)

from hl7apy.consts import VALIDATION_LEVEL  # noqa: E402
from hl7apy.core import Message  # noqa: E402
from hl7apy.parser import parse_message  # noqa: E402

import fhir.resources  # noqa: E402
from fhir.resources import construct_fhir_element  # noqa: E402
from fhirpy import SyncFHIRClient  # noqa: E402

BOOKING_URL = "https://book.example.org/spine"
BOOKING_PHONE = "+1-303-555-0100 ext. 2"
DEEP_LINK = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link"
PHONE_EXT = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-phone"
HL7_TYPE = "application/hl7-v2"
FHIR_JSON = "application/fhir+json"
SOURCE = "desert-ris"

# The patient: 68 years old at the time of the study.
GIVEN, FAMILY, BIRTH = "Eleanor", "Whitfield", "19580314"
BIRTH_ISO = "1958-03-14"

check(fhir.resources.__fhir_version__ == "4.0.1",
      f"fhir.resources {fhir.resources.__version__} models FHIR {fhir.resources.__fhir_version__}, not R4 4.0.1")


class Installation:
    """A migrated database with two clinics (the second only for scope checks), tokens of each
    role the suite needs, and one server with an MLLP listener."""

    def __init__(self) -> None:
        self.cluster = Cluster()
        url = self.cluster.url()
        run_clinic(["migrate"], self.cluster.url(OWNER_ROLE))
        self.clinic_id = self._clinic("Front Range Spine Center", "America/Denver")
        self.other_clinic_id = self._clinic("Mesa Vertebral Clinic", "America/Phoenix")
        for kind in ("consult_room", "evaluator", "procedure_room", "proceduralist", "anesthesia"):
            for clinic in (self.clinic_id, self.other_clinic_id):
                run_clinic(["resource", "add", "--clinic", clinic, "--kind", kind, "--name", f"{kind} 1",
                            "--window", "1-7=07:00-17:00"], url)
        self.admin = self._token("admin", "--all-clinics")
        self.intake = self._token("intake", "--clinic", self.clinic_id)
        self.mllp_token = self._token("intake", "--clinic", self.clinic_id)
        self.scheduler = self._token("scheduler", "--clinic", self.clinic_id)
        self.other_scheduler = self._token("scheduler", "--clinic", self.other_clinic_id)
        self.mllp_port = free_port()
        self.server = Server(url, env={
            "CLINIC_MLLP_PORT": str(self.mllp_port), "CLINIC_MLLP_TOKEN": self.mllp_token,
            "CLINIC_BOOKING_URL": BOOKING_URL, "CLINIC_BOOKING_PHONE": BOOKING_PHONE,
        }).start()
        self.port = self.server.port
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.mllp_port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"MLLP port {self.mllp_port} never opened: {self.server.output()[-2000:]}")
                time.sleep(0.05)

    def _clinic(self, name: str, zone: str) -> str:
        run_clinic(["clinic", "create", "--name", name, "--time-zone", zone, "--hours", "1-7=07:00-17:00"],
                   self.cluster.url())
        return self.sql(f"SELECT id FROM clinics WHERE name = '{name}'")

    def _token(self, role: str, *scope: str) -> str:
        return run_clinic(["token", "create", "--role", role, "--name", f"interop {role} {uuid.uuid4().hex[:6]}",
                           *scope], self.cluster.url()).strip().splitlines()[-1]

    def sql(self, query: str) -> str:
        return self.cluster.psql("clinic", query)

    def close(self) -> None:
        self.server.kill()
        self.cluster.destroy()


ENV: Installation


# --- helpers -------------------------------------------------------------------------------------

def days_ago(days: int, hour: int = 9, minute: int = 30) -> dt.datetime:
    today = dt.date.today() - dt.timedelta(days=days)
    return dt.datetime(today.year, today.month, today.day, hour, minute,
                       tzinfo=dt.timezone(dt.timedelta(hours=-7)))


def hl7_ts(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S%z")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


def oru(accession: str, mrn: str, control_id: str, status: str = "F", clinic: str | None = None,
        text: list[str] | None = None, height_loss: str = "30", version: str = "2.5.1") -> str:
    """An ORU^R01 built with hl7apy: MSH (MSH-6 the clinic id), PID, OBR (OBR-7 with offset, OBR-18
    accession, OBR-24 MR, OBR-25 status), text OBXs and the 99VCF coded findings for L1."""
    message = Message("ORU_R01", version=version, validation_level=VALIDATION_LEVEL.TOLERANT)
    msh = message.msh
    msh.msh_3 = "RIS"
    msh.msh_4 = SOURCE
    msh.msh_5 = "CLINIC"
    msh.msh_6 = clinic or ENV.clinic_id
    msh.msh_7 = hl7_ts(dt.datetime.now(dt.timezone(dt.timedelta(hours=-7))))
    msh.msh_9 = "ORU^R01^ORU_R01"
    msh.msh_10 = control_id
    msh.msh_11 = "P"
    msh.msh_18 = "UNICODE UTF-8"
    result = message.add_group("ORU_R01_PATIENT_RESULT")
    pid = result.add_group("ORU_R01_PATIENT").pid
    pid.pid_1 = "1"
    pid.pid_3 = f"{mrn}^^^FRSC^MR"
    pid.pid_5 = f"{FAMILY}^{GIVEN}"
    pid.pid_7 = BIRTH
    pid.pid_8 = "F"
    order = result.add_group("ORU_R01_ORDER_OBSERVATION")
    obr = order.obr
    obr.obr_1 = "1"
    obr.obr_4 = "72148^MR LUMBAR SPINE WO CONTRAST^CPT4"
    obr.obr_7 = hl7_ts(days_ago(3))
    obr.obr_18 = accession
    obr.obr_24 = "MR"
    obr.obr_25 = status
    lines = text if text is not None else [
        "MRI lumbar spine without contrast.",
        "Acute L1 wedge compression fracture with 30% loss of anterior vertebral body height.",
        "STIR hyperintense marrow edema at L1. No retropulsion.",
    ]
    observations = [("TX", "IMPRESSION^Impression^L", "", line, "") for line in lines] + [
        ("NM", "HEIGHTLOSS^Vertebral height loss^99VCF", "L1", height_loss, "%"),
        ("CWE", "MORPHOLOGY^Fracture morphology^99VCF", "L1", "wedge^Wedge^99VCF", ""),
        ("CWE", "EDEMA^Marrow edema^99VCF", "L1", "present^Present^99VCF", ""),
    ]
    for index, (kind, code, level, value, units) in enumerate(observations, start=1):
        obx = order.add_group("ORU_R01_OBSERVATION").obx
        obx.obx_1 = str(index)
        obx.obx_2 = kind
        obx.obx_3 = code
        if level:
            obx.obx_4 = level
        obx.obx_5 = value
        if units:
            obx.obx_6 = units
        obx.obx_11 = status if status in ("P", "F", "C") else "F"
    return message.to_er7()


def post_hl7(body: bytes | str, token: str | None = None, content_type: str = HL7_TYPE) -> Answer:
    return request("POST", ENV.port, "/v1/hl7/oru", body=body.encode() if isinstance(body, str) else body,
                   token=token or ENV.intake, headers={"Content-Type": content_type})


class Ack:
    """An ACK read with hl7apy."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.message = parse_message(text.replace("\n", "\r"), find_groups=False,
                                     validation_level=VALIDATION_LEVEL.TOLERANT)
        msa = self.message.msa
        self.code = msa.msa_1.value
        self.control_id = msa.msa_2.value
        self.detail = msa.msa_3.value if msa.msa_3 else ""
        errs = self.message.children.get("ERR")
        self.err = errs[0].to_er7() if errs else None
        self.type = self.message.msh.msh_9.to_er7()

    def __repr__(self) -> str:
        return repr(self.text)


def ack_of(answer: Answer, status: int, code: str, label: str) -> Ack:
    check(answer.status == status,
          f"{label}: HTTP {answer.status}, expected {status}: {answer.body[:300]!r}")
    check(answer.headers.get("content-type", "").startswith(HL7_TYPE),
          f"{label}: Content-Type {answer.headers.get('content-type')!r}, expected {HL7_TYPE}")
    ack = Ack(answer.body.decode())
    check(ack.code == code, f"{label}: MSA-1 {ack.code!r}, expected {code}: {ack!r}")
    check(ack.type.startswith("ACK"), f"{label}: MSH-9 {ack.type!r} is not an ACK")
    return ack


def results_for(accession: str) -> list[tuple[str, int, str]]:
    """(id, revision, status) of the stored imaging results with this accession, read from the
    database: how the suite proves that nothing, or exactly one result, was stored."""
    text = ENV.sql("SELECT coalesce(json_agg(json_build_array(id, revision, result_status)), '[]') "
                   f"FROM imaging_results WHERE accession_number = '{accession}'")
    return [tuple(row) for row in json.loads(text)]


def acked_id(ack: Ack, accession: str, disposition: str, label: str) -> str:
    """The imaging result id MSA-3 names: `<accession> stored|already stored|revised as <id>`."""
    prefix = f"{accession} {disposition} as "
    check(ack.detail.startswith(prefix), f"{label}: MSA-3 {ack.detail!r}, expected '{prefix}<id>'")
    result_id = ack.detail[len(prefix):]
    try:
        uuid.UUID(result_id)
    except ValueError:
        raise Failure(f"{label}: MSA-3 names {result_id!r}, not an imaging result id") from None
    return result_id


def only_result(accession: str) -> str:
    rows = results_for(accession)
    check(len(rows) == 1, f"{len(rows)} imaging results stored for {accession}, expected 1")
    return rows[0][0]


def api(method: str, path: str, body=None, token: str | None = None, headers: dict | None = None) -> Answer:
    data = json.dumps(body) if isinstance(body, (dict, list)) else body
    return request(method, ENV.port, path, body=data, token=token or ENV.admin, headers=headers)


def fhir(path: str, token: str | None = None, accept: str | None = FHIR_JSON, **kwargs) -> Answer:
    headers = {"Accept": accept} if accept else {}
    headers.update(kwargs.pop("headers", {}))
    return request(kwargs.pop("method", "GET"), ENV.port, "/fhir/r4" + path, token=token or ENV.admin,
                   headers=headers, **kwargs)


def fhir_json(answer: Answer, status: int, label: str) -> dict:
    check(answer.status == status, f"{label}: HTTP {answer.status}, expected {status}: {answer.body[:400]!r}")
    kind = answer.headers.get("content-type", "")
    check(kind.startswith(FHIR_JSON), f"{label}: Content-Type {kind!r}, expected {FHIR_JSON}")
    return answer.json()


def validated(resource: dict, label: str, expected_type: str | None = None):
    """The resource parsed and validated by fhir.resources (FHIR R4); a Failure naming what is wrong."""
    kind = resource.get("resourceType")
    check(expected_type is None or kind == expected_type, f"{label}: resourceType {kind!r}, expected {expected_type}")
    try:
        return construct_fhir_element(kind, resource)
    except Exception as error:  # pydantic's ValidationError, or an unknown resource type
        raise Failure(f"{label}: not a valid FHIR R4 {kind}: {error}") from None


def validated_bundle(bundle: dict, label: str, entry_type: str) -> list[dict]:
    validated(bundle, label, "Bundle")
    check(bundle.get("type") == "searchset", f"{label}: Bundle.type {bundle.get('type')!r}")
    resources = [entry["resource"] for entry in bundle.get("entry", [])]
    for index, resource in enumerate(resources):
        validated(resource, f"{label} entry {index}", entry_type)
    return resources


def outcome(answer: Answer, status: int, label: str) -> dict:
    body = fhir_json(answer, status, label)
    validated(body, label, "OperationOutcome")
    check(body.get("issue"), f"{label}: OperationOutcome without issue")
    return body


def make_referral(mrn: str, token: str | None = None, clinic: str | None = None) -> dict:
    answer = api("POST", "/v1/referrals", {
        "clinicId": clinic or ENV.clinic_id,
        "patient": {"mrn": mrn, "givenName": GIVEN, "familyName": FAMILY, "birthDate": BIRTH_ISO, "sex": "female"},
        "referringClinician": {"name": "Dr. Samuel Ortiz", "npi": "1234567893"},
        "reason": "L1 wedge fracture, 30% height loss, STIR edema on MRI; NRS 7 despite bracing.",
        "symptomOnset": (dt.date.today() - dt.timedelta(days=20)).isoformat(),
    }, token=token or ENV.scheduler, headers={"Idempotency-Key": str(uuid.uuid4())})
    check(answer.status == 201, f"POST /v1/referrals: {answer.status} {answer.body[:300]!r}")
    return answer.json()


def iso_has_seconds_and_offset(text: str) -> bool:
    # YYYY-MM-DDThh:mm:ss(.s)?(Z|+hh:mm|-hh:mm)
    if len(text) < 20 or text[10] != "T" or text[13] != ":" or text[16] != ":":
        return False
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


# --- HL7 over HTTP -------------------------------------------------------------------------------

def hl7_http_final_result() -> str:
    accession, mrn, control = unique("MR"), unique("FRSC"), unique("CTL")
    ack = ack_of(post_hl7(oru(accession, mrn, control)), 200, "AA", "ORU^R01")
    check(ack.control_id == control, f"MSA-2 {ack.control_id!r}, expected the message's control id {control}")
    check(ack.err is None, f"an AA with an ERR segment: {ack!r}")
    result_id = acked_id(ack, accession, "stored", "ORU^R01")
    check(only_result(accession) == result_id, "the id in MSA-3 is not the stored result's")
    got = api("GET", f"/v1/imaging-results/{result_id}")
    check(got.status == 200, f"GET /v1/imaging-results/{result_id}: {got.status}")
    body = got.json()
    check(body["patient"]["mrn"] == mrn and body["patient"]["birthDate"] == BIRTH_ISO
          and body["patient"]["sex"] == "female", f"patient {body['patient']}")
    check(body["modality"] == "MR" and body["resultStatus"] == "final" and body["sourceSystem"] == SOURCE,
          f"modality/status/source {body['modality']} {body['resultStatus']} {body['sourceSystem']}")
    performed = dt.datetime.fromisoformat(body["performedAt"].replace("Z", "+00:00"))
    check(performed == days_ago(3), f"performedAt {body['performedAt']}, expected {days_ago(3).isoformat()} (OBR-7 offset)")
    finding = body["findings"][0] if body["findings"] else {}
    check(len(body["findings"]) == 1 and finding.get("level") == "L1" and finding.get("heightLossPercent") == 30
          and finding.get("morphology") == "wedge" and finding.get("edema") == "present"
          and finding.get("genantGrade") == 2 and finding.get("acuity") == "recent", f"findings {body['findings']}")
    check("STIR hyperintense marrow edema at L1" in body["impression"], f"impression {body['impression']!r}")
    # The same result as FHIR: a DiagnosticReport with its finding as a contained Observation.
    report = fhir_json(fhir(f"/DiagnosticReport/{result_id}"), 200, "DiagnosticReport read")
    validated(report, "DiagnosticReport", "DiagnosticReport")
    check(report.get("status") == "final", f"DiagnosticReport.status {report.get('status')!r}")
    contained = [r for r in report.get("contained", []) if r.get("resourceType") == "Observation"]
    check(contained, "DiagnosticReport has no contained Observation for the L1 finding")
    return f"AA with MSA-2 = {control}, MSA-3 '{accession} stored as <its id>'; the result reads back (L1 30% wedge, edema, Genant 2, recent) in /v1 and as a DiagnosticReport"


def hl7_http_redelivery_is_replay() -> str:
    accession, mrn, control = unique("MR"), unique("FRSC"), unique("CTL")
    message = oru(accession, mrn, control, status="P")
    first = ack_of(post_hl7(message), 200, "AA", "first delivery")
    again = ack_of(post_hl7(message), 200, "AA", "redelivery")
    check(again.control_id == control, f"redelivery MSA-2 {again.control_id!r}")
    first_id = acked_id(first, accession, "stored", "first delivery")
    # A redelivery is answered with the first delivery's ACK, as it was sent.
    check(acked_id(again, accession, "stored", "redelivery") == first_id, "the redelivery names another result")
    check(again.text == first.text, "the redelivery's ACK differs from the first one")
    # Even after a later revision, the preliminary message sent again answers as it did.
    final = oru(accession, mrn, unique("CTL"), status="F")
    ack_of(post_hl7(final), 200, "AA", "final")
    late = ack_of(post_hl7(message), 200, "AA", "redelivery after the final result")
    check(late.text == first.text, "the late redelivery's ACK differs from the first one")
    rows = results_for(accession)
    check(len(rows) == 1 and rows[0][1] == 2, f"after the redeliveries: {rows}, expected one result at revision 2")
    # The same control id with another message is AE 205 at MSH-10.
    other = ack_of(post_hl7(oru(unique("MR"), mrn, control)), 422, "AE", "control id reused")
    check("205" in (other.err or ""), f"control id reused: {other.text!r}")
    return f"{first.detail!r} twice, and again after a revision; one result; a reused control id AE 205"


def hl7_http_preliminary_final_corrected() -> str:
    accession, mrn = unique("MR"), unique("FRSC")
    texts: list[str] = []
    ids: set[str] = set()
    for status, expected in (("P", "stored"), ("F", "revised"), ("C", "revised")):
        text = None
        if status == "C":
            text = ["Addendum: L1 wedge compression fracture, 30% height loss; STIR edema confirmed."]
        ack = ack_of(post_hl7(oru(accession, mrn, unique("CTL"), status=status, text=text)), 200, "AA", f"OBR-25 {status}")
        ids.add(acked_id(ack, accession, expected, f"OBR-25 {status}"))
        texts.append(f"{status}: {expected}")
    check(len(ids) == 1, f"P, F and C named {len(ids)} different results: {ids}")
    rows = results_for(accession)
    check(len(rows) == 1 and rows[0][1] == 3 and rows[0][2] == "corrected",
          f"after P, F, C: {rows}, expected one result at revision 3, corrected")
    body = api("GET", f"/v1/imaging-results/{rows[0][0]}").json()
    check(body["revision"] == 3 and body["resultStatus"] == "corrected" and body["impression"].startswith("Addendum"),
          f"read back: revision {body['revision']}, {body['resultStatus']}, {body['impression'][:40]!r}")
    report = fhir_json(fhir(f"/DiagnosticReport/{rows[0][0]}"), 200, "DiagnosticReport read")
    validated(report, "DiagnosticReport", "DiagnosticReport")
    check(report.get("status") == "corrected", f"DiagnosticReport.status {report.get('status')!r}, expected corrected")
    return "; ".join(texts) + "; revision 3, corrected (also as DiagnosticReport.status)"


def raw_message(accession: str, mrn: str, control: str, report: str, ending: str) -> bytes:
    """A message as radiology systems really send it, written by hand: PID-3 with the MR
    identifier second, report text with escape sequences, the given segment ending."""
    segments = [
        f"MSH|^~\\&|PowerScribe|{SOURCE}|CLINIC|{ENV.clinic_id}|{hl7_ts(dt.datetime.now(dt.timezone.utc))}||ORU^R01|{control}|P|2.3",
        f"PID|1||998877^^^SSA^SS~{mrn}^^^FRSC^MR~E-5521^^^EMPI^PI||{FAMILY}^{GIVEN}^M||{BIRTH}|F",
        "PV1|1|O",
        "ORC|RE",
        f"OBR|1|ORD-1|{accession}|72148^MR L-SPINE WO^CPT4|||{hl7_ts(days_ago(2, 14, 5))}|||||||||||{accession}||||||MR|F",
        f"OBX|1|FT|IMP^Impression^L||{report}||||||F",
        "OBX|2|NM|HEIGHTLOSS^Vertebral height loss^99VCF|L1|30|%|||||F",
        "OBX|3|ST|MORPHOLOGY^Fracture morphology^99VCF|L1|wedge||||||F",
        "OBX|4|CE|EDEMA^Marrow edema^99VCF|L1|Y^Edema on STIR^99VCF||||||F",
        "NTE|1||Dictated by Dr. R. Kessler",
    ]
    return (ending.join(segments) + ending).encode()


def hl7_http_real_world_samples() -> str:
    report = (r"Acute L1 wedge fracture \T\ STIR edema\.br\Height loss 30\F\anterior\S\wedge"
              r"\.br\Path C:\E\PACS\E\L1\.br\Reviewed by Dr. Ren\XC3A9\e Dub\XC3A9" "\\")
    expected = ("Acute L1 wedge fracture & STIR edema\nHeight loss 30|anterior^wedge\n"
                "Path C:\\PACS\\L1\nReviewed by Dr. Ren\u00e9e Dub\u00e9")
    seen = []
    for ending, label in (("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")):
        accession, mrn, control = unique("MR"), unique("FRSC"), unique("CTL")
        ack = ack_of(post_hl7(raw_message(accession, mrn, control, report, ending)), 200, "AA", f"{label} endings")
        check(ack.control_id == control, f"{label}: MSA-2 {ack.control_id!r}")
        body = api("GET", f"/v1/imaging-results/{acked_id(ack, accession, 'stored', label)}").json()
        check(body["patient"]["mrn"] == mrn,
              f"{label}: MRN {body['patient']['mrn']!r}, expected {mrn} (the PID-3 repetition typed MR, not the first)")
        check(body["impression"] == expected, f"{label}: impression {body['impression']!r}, expected {expected!r}")
        finding = body["findings"][0] if body["findings"] else {}
        check(finding.get("edema") == "present" and finding.get("morphology") == "wedge",
              f"{label}: findings {body['findings']}")
        seen.append(label)
    return (f"{', '.join(seen)} segment ends; v2.3; \\T\\ \\F\\ \\S\\ \\E\\ \\.br\\ \\X..\\ decoded; "
            "MR picked from the second PID-3 repetition; PV1/ORC/NTE skipped")


def hl7_http_refusals() -> str:
    accession, mrn = unique("MR"), unique("FRSC")
    good = oru(accession, mrn, "CTL-BAD")

    def replace_segment(text: str, name: str, new: str | None) -> str:
        kept = []
        for segment in text.split("\r"):
            if segment.startswith(name + "|"):
                if new is not None:
                    kept.append(new)
            else:
                kept.append(segment)
        return "\r".join(kept)

    def set_field(text: str, name: str, field: int, value: str) -> str:
        out = []
        for segment in text.split("\r"):
            if segment.startswith(name + "|"):
                parts = segment.split("|")
                index = field - 1 if name == "MSH" else field  # MSH-1 is the separator itself
                parts += [""] * (index + 1 - len(parts))
                parts[index] = value
                segment = "|".join(parts)
            out.append(segment)
        return "\r".join(out)

    cases = [
        ("missing PID", replace_segment(good, "PID", None), 422, "AE", "PID"),
        ("missing OBR-18", set_field(good, "OBR", 18, ""), 422, "AE", "OBR"),
        ("OBR-25 'Z'", set_field(good, "OBR", 25, "Z"), 422, "AE", "OBR"),
        ("ADT^A01", set_field(good, "MSH", 9, "ADT^A01^ADT_A01"), 400, "AR", "MSH"),
        ("version 3.0", set_field(good, "MSH", 12, "3.0"), 400, "AR", "MSH"),
        ("MSH-18 'EBCDIC'", set_field(good, "MSH", 18, "EBCDIC"), 400, "AR", "MSH"),
        ("random bytes", os.urandom(64).replace(b"M", b"m"), 400, "AR", None),
    ]
    seen: list[str] = []
    unanswered: list[str] = []  # refusals whose ACK does not name the message (MSA-2) though its MSH was readable
    for label, body, status, code, segment in cases:
        answer = post_hl7(body)
        check(answer.status is not None and answer.status < 500, f"{label}: HTTP {answer.status}")
        ack = ack_of(answer, status, code, label)
        check(ack.detail, f"{label}: MSA-3 is empty: {ack!r}")
        check(ack.err is not None, f"{label}: no ERR segment: {ack!r}")
        if segment:
            check(f"|{segment}^" in ack.err or ack.err.startswith(f"ERR|{segment}^"),
                  f"{label}: ERR does not point at {segment}: {ack.err!r}")
        if isinstance(body, str) and ack.control_id != "CTL-BAD":
            unanswered.append(f"{label}: MSA-2 {ack.control_id!r}, expected CTL-BAD")
        seen.append(f"{label} {status} {code}")
    check(not results_for(accession), f"a refused message stored a result: {results_for(accession)}")

    # A readable MSH (ASCII) but report text in ISO 8859-1 without MSH-18 saying so: AR, and the
    # ACK must still answer the message (MSA-2 = its control id) so the sender can match it.
    latin = raw_message(unique("MR"), unique("FRSC"), "CTL-LATIN1", "Reviewed by Dr. Ren\u00e9e Dub\u00e9", "\r")
    ack = ack_of(post_hl7(latin.decode().encode("latin-1")), 400, "AR", "undeclared ISO 8859-1")
    check(ack.err is not None and "MSH^1^18" in ack.err, f"undeclared ISO 8859-1: ERR {ack.err!r}")
    if ack.control_id != "CTL-LATIN1":
        unanswered.append(f"undeclared ISO 8859-1: MSA-2 {ack.control_id!r}, expected CTL-LATIN1")
    seen.append("undeclared 8859/1 400 AR")

    empty = post_hl7(b"")
    check(empty.status is not None and 400 <= empty.status < 500, f"empty body: HTTP {empty.status} {empty.body[:200]!r}")
    seen.append(f"empty body {empty.status}")

    # A clinic the intake token does not reach: AE, and nothing stored, not even the patient.
    other_accession, other_mrn = unique("MR"), unique("MESA")
    ack = ack_of(post_hl7(oru(other_accession, other_mrn, "CTL-SCOPE", clinic=ENV.other_clinic_id)),
                 422, "AE", "another clinic in MSH-6")
    check("MSH" in (ack.err or ""), f"other clinic: ERR does not name MSH-6: {ack.err!r}")
    check(not results_for(other_accession), "a result for a clinic out of the token's reach was stored")
    check(ENV.sql(f"SELECT count(*) FROM patients WHERE mrn = '{other_mrn}'") == "0",
          "a patient for a clinic out of the token's reach was stored")
    seen.append("other clinic 422 AE, nothing stored")
    check(not unanswered, "ACKs that do not echo the control id of a message whose MSH is plain ASCII: "
          + "; ".join(unanswered) + f" (also passed: {'; '.join(seen)})")
    return "; ".join(seen)


# --- MLLP ----------------------------------------------------------------------------------------

def mllp_connect() -> socket.socket:
    return socket.create_connection(("127.0.0.1", ENV.mllp_port), timeout=10)


def frame(text: str) -> bytes:
    return b"\x0b" + text.encode() + b"\x1c\x0d"


def read_frames(sock: socket.socket, count: int) -> list[str]:
    buffer, frames = b"", []
    while len(frames) < count:
        chunk = sock.recv(65536)
        if not chunk:
            raise Failure(f"MLLP connection closed after {len(frames)} of {count} ACKs")
        buffer += chunk
        while b"\x1c\x0d" in buffer:
            head, buffer = buffer.split(b"\x1c\x0d", 1)
            check(head.startswith(b"\x0b"), f"an ACK frame does not start with 0x0B: {head[:40]!r}")
            frames.append(head[1:].decode())
    check(buffer == b"", f"bytes after the last ACK frame: {buffer[:40]!r}")
    return frames


def mllp_round_trips() -> str:
    seen = []
    with mllp_connect() as sock:
        accession, control = unique("MR"), unique("CTL")
        sock.sendall(frame(oru(accession, unique("FRSC"), control)))
        ack = Ack(read_frames(sock, 1)[0])
        check(ack.code == "AA" and ack.control_id == control, f"one message: {ack!r}")
        check(acked_id(ack, accession, "stored", "MLLP") == only_result(accession), "MLLP: MSA-3 names another result")
        seen.append("one framed message: AA")

        # Two messages in one write: two ACKs, in order.
        first, second = (unique("MR"), unique("CTL")), (unique("MR"), unique("CTL"))
        sock.sendall(frame(oru(first[0], unique("FRSC"), first[1])) + frame(oru(second[0], unique("FRSC"), second[1])))
        acks = [Ack(text) for text in read_frames(sock, 2)]
        check([a.control_id for a in acks] == [first[1], second[1]] and all(a.code == "AA" for a in acks),
              f"two in one write: {acks}")
        seen.append("two in one write: two AAs in order")

        # One message split over several writes.
        accession, control = unique("MR"), unique("CTL")
        data = frame(oru(accession, unique("FRSC"), control))
        for start in range(0, len(data), 37):
            sock.sendall(data[start:start + 37])
            time.sleep(0.005)
        ack = Ack(read_frames(sock, 1)[0])
        check(ack.code == "AA" and ack.control_id == control, f"split message: {ack!r}")
        seen.append(f"one message in {len(range(0, len(data), 37))} writes: AA")

        # A refused message on MLLP is an AE frame, and the connection stays usable.
        sock.sendall(frame(oru(unique("MR"), unique("FRSC"), "CTL-SCOPE", clinic=ENV.other_clinic_id)))
        ack = Ack(read_frames(sock, 1)[0])
        check(ack.code == "AE" and ack.err, f"other clinic over MLLP: {ack!r}")
        seen.append("other clinic: AE")

    # Garbage outside a frame: the server closes the connection.
    with mllp_connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
        sock.settimeout(5)
        try:
            closed = sock.recv(4096) == b""
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            closed = False
        check(closed, "garbage outside a frame: the connection was not closed within 5 s")
        seen.append("garbage outside a frame: closed")
    # ... and a new connection is served.
    with mllp_connect() as sock:
        control = unique("CTL")
        sock.sendall(frame(oru(unique("MR"), unique("FRSC"), control)))
        ack = Ack(read_frames(sock, 1)[0])
        check(ack.code == "AA" and ack.control_id == control, f"after the garbage: {ack!r}")
        seen.append("a new connection: AA")
    return "; ".join(seen)


# --- FHIR ----------------------------------------------------------------------------------------

def fhir_capability_statement() -> str:
    answer = request("GET", ENV.port, "/fhir/r4/metadata", headers={"Accept": FHIR_JSON})
    body = fhir_json(answer, 200, "metadata without a token")
    statement = validated(body, "CapabilityStatement", "CapabilityStatement")
    check(statement.fhirVersion == "4.0.1", f"fhirVersion {statement.fhirVersion!r}")
    check(statement.kind == "instance", f"kind {statement.kind!r}")
    types = {r.type for rest in statement.rest for r in (rest.resource or [])}
    missing = {"Patient", "ServiceRequest", "Appointment", "Schedule", "Slot", "DiagnosticReport", "Location"} - types
    check(not missing, f"CapabilityStatement does not list {sorted(missing)}")
    plain = request("GET", ENV.port, "/fhir/r4/metadata", headers={"Accept": "application/json"})
    check(plain.status == 200, f"Accept: application/json -> {plain.status}")
    xml = request("GET", ENV.port, "/fhir/r4/metadata", headers={"Accept": "application/xml"})
    outcome(xml, 406, "metadata with Accept: application/xml")
    return f"R4 {statement.fhirVersion}, {len(types)} resource types; application/json 200; application/xml 406 OperationOutcome"


def fhir_resources_validate() -> str:
    mrn = unique("FRSC")
    referral = make_referral(mrn)
    check(referral["status"] == "triaged", f"new referral status {referral['status']!r}")
    patient_id = referral["patient"]["id"]
    # Book an evaluation visit at the first free time.
    free = api("GET", f"/v1/availability?referralId={referral['id']}&kind=evaluation&limit=1", token=ENV.scheduler)
    check(free.status == 200 and free.json()["items"], f"availability: {free.status} {free.body[:300]!r}")
    start = free.json()["items"][0]["start"]
    booked = api("POST", "/v1/appointments", {"referralId": referral["id"], "kind": "evaluation", "start": start},
                 token=ENV.scheduler, headers={"Idempotency-Key": str(uuid.uuid4())})
    check(booked.status == 201, f"booking: {booked.status} {booked.body[:300]!r}")
    appointment = booked.json()
    seen = []

    patient = fhir_json(fhir(f"/Patient/{patient_id}"), 200, "Patient read")
    model = validated(patient, "Patient", "Patient")
    check(str(model.birthDate) == BIRTH_ISO and model.gender == "female", f"Patient {patient}")
    check(any(i.value == mrn for i in model.identifier or []), f"Patient.identifier lacks the MRN {mrn}")
    seen.append("Patient")

    request_read = fhir_json(fhir(f"/ServiceRequest/{referral['id']}"), 200, "ServiceRequest read")
    validated(request_read, "ServiceRequest", "ServiceRequest")
    check(request_read["subject"]["reference"] == f"Patient/{patient_id}", f"subject {request_read['subject']}")
    bundle = fhir_json(fhir(f"/ServiceRequest?patient=Patient/{patient_id}"), 200, "ServiceRequest search")
    found = validated_bundle(bundle, "ServiceRequest search", "ServiceRequest")
    check([r["id"] for r in found] == [referral["id"]], f"ServiceRequest search found {[r['id'] for r in found]}")
    seen.append("ServiceRequest read + search Bundle")

    read = fhir_json(fhir(f"/Appointment/{appointment['id']}"), 200, "Appointment read")
    model = validated(read, "Appointment", "Appointment")
    check(model.status == "booked", f"Appointment.status {model.status!r}")
    check(iso_has_seconds_and_offset(read["start"]) and iso_has_seconds_and_offset(read["end"]),
          f"Appointment start/end {read['start']} {read['end']}")
    check(dt.datetime.fromisoformat(read["start"].replace("Z", "+00:00"))
          == dt.datetime.fromisoformat(start.replace("Z", "+00:00")), f"Appointment.start {read['start']} != booked {start}")
    bundle = fhir_json(fhir(f"/Appointment?patient={patient_id}"), 200, "Appointment search")
    found = validated_bundle(bundle, "Appointment search", "Appointment")
    check([r["id"] for r in found] == [appointment["id"]], "Appointment search by patient")
    seen.append("Appointment read + search Bundle")

    bundle = fhir_json(fhir(f"/Schedule?actor=Location/{ENV.clinic_id}"), 200, "Schedule search")
    schedules = validated_bundle(bundle, "Schedule search", "Schedule")
    check(len(schedules) == 2, f"{len(schedules)} schedules for the clinic, expected evaluation and procedure")
    evaluation_id = f"{ENV.clinic_id}-evaluation"
    check(evaluation_id in {s["id"] for s in schedules}, f"no schedule {evaluation_id}")
    schedule = fhir_json(fhir(f"/Schedule/{evaluation_id}"), 200, "Schedule read")
    validated(schedule, "Schedule", "Schedule")
    check(schedule["actor"][0]["reference"] == f"Location/{ENV.clinic_id}", f"Schedule.actor {schedule['actor']}")
    seen.append("Schedule search + read")

    day = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
    window = urllib.parse.urlencode([("schedule", f"Schedule/{evaluation_id}"),
                                     ("start", "ge" + (day - dt.timedelta(hours=1)).isoformat()),
                                     ("start", "lt" + (day + dt.timedelta(days=1)).isoformat()), ("_count", "100")])
    bundle = fhir_json(fhir(f"/Slot?{window}"), 200, "Slot search")
    slots = validated_bundle(bundle, "Slot search", "Slot")
    check(slots, "Slot search returned nothing around the booked time")
    statuses = {s["status"] for s in slots}
    check(statuses <= {"free", "busy"}, f"Slot statuses {statuses}")
    check("busy" in statuses, "the booked evaluation is not a busy Slot")
    for slot in slots:
        check(iso_has_seconds_and_offset(slot["start"]) and iso_has_seconds_and_offset(slot["end"]),
              f"Slot {slot['id']} start/end {slot['start']} {slot['end']}")
        check(slot["schedule"]["reference"] == f"Schedule/{evaluation_id}", f"Slot.schedule {slot['schedule']}")
        extensions = {e["url"]: e for e in slot.get("extension", [])}
        if slot["status"] == "free":
            link = extensions.get(DEEP_LINK, {}).get("valueUrl", "")
            check(link == f"{BOOKING_URL}?slot={slot['id']}", f"free Slot {slot['id']} deep link {link!r}")
            check(extensions.get(PHONE_EXT, {}).get("valueString") == BOOKING_PHONE,
                  f"free Slot {slot['id']} booking phone {extensions.get(PHONE_EXT)}")
        else:
            check(DEEP_LINK not in extensions, f"busy Slot {slot['id']} carries a booking link")
    seen.append(f"Slot search Bundle ({len(slots)} slots, {sorted(statuses)})")

    result_accession = unique("MR")
    ack = ack_of(post_hl7(oru(result_accession, mrn, unique("CTL"))), 200, "AA", "ORU for the DiagnosticReport")
    report_id = acked_id(ack, result_accession, "stored", "ORU for the DiagnosticReport")
    report = fhir_json(fhir(f"/DiagnosticReport/{report_id}"), 200, "DiagnosticReport read")
    validated(report, "DiagnosticReport", "DiagnosticReport")
    for contained in report.get("contained", []):
        validated(contained, "DiagnosticReport.contained", None)
    check(report["subject"]["reference"] == f"Patient/{patient_id}",
          f"DiagnosticReport.subject {report['subject']} is not the referral's patient (same clinic, MRN)")
    seen.append("DiagnosticReport")

    location = fhir_json(fhir(f"/Location/{ENV.clinic_id}"), 200, "Location read")
    validated(location, "Location", "Location")
    check(location["name"] == "Front Range Spine Center", f"Location.name {location.get('name')!r}")
    seen.append("Location")

    outcome(fhir(f"/Patient/{uuid.uuid4()}"), 404, "Patient that does not exist")
    outcome(fhir("/ServiceRequest?_count=abc"), 400, "ServiceRequest?_count=abc")
    outcome(fhir("/ServiceRequest?status=bogus"), 400, "ServiceRequest?status=bogus")
    outcome(fhir(f"/Slot?schedule=Schedule/{evaluation_id}&start=ge2026-99-99"), 400, "Slot with a bad start")
    seen.append("OperationOutcome 404 and 400s")

    plain = fhir(f"/Patient/{patient_id}", accept="application/json")
    check(plain.status == 200 and plain.json()["id"] == patient_id, f"Accept: application/json -> {plain.status}")
    outcome(fhir(f"/Patient/{patient_id}", accept="application/xml"), 406, "Accept: application/xml")
    seen.append("Accept json 200 / xml 406")
    return ", ".join(seen) + ": all valid FHIR R4, application/fhir+json"


def fhir_search_walked_by_fhirpy() -> str:
    mrn = unique("WALK")
    made = [make_referral(mrn)["id"] for _ in range(25)]
    patient_id = api("GET", f"/v1/referrals/{made[0]}", token=ENV.scheduler).json()["patient"]["id"]
    client = SyncFHIRClient(f"{ENV.base}/fhir/r4", authorization=f"Bearer {ENV.scheduler}")
    pages = fhir_json(fhir(f"/ServiceRequest?patient={patient_id}&_count=10", token=ENV.scheduler), 200, "first page")
    check(len(pages.get("entry", [])) == 10 and any(l["relation"] == "next" for l in pages.get("link", [])),
          "the first page of 10 has no next link")
    found = client.resources("ServiceRequest").search(patient=patient_id).limit(10).fetch_all()
    ids = [resource["id"] for resource in found]
    check(len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} duplicate(s) across pages")
    check(set(ids) == set(made), f"fhirpy walked {len(ids)} ServiceRequests; {len(set(made) - set(ids))} missing")
    for resource in found:
        validated(resource.serialize(), "walked ServiceRequest", "ServiceRequest")
    return f"25 referrals, _count=10: fhirpy followed next to the end, {len(ids)} distinct, none missing"


def service_request_body(identifier: str, mrn: str, birth: str = BIRTH_ISO, requester: bool = True,
                         reason: str = "Painful acute L1 wedge fracture, 30% height loss, STIR edema") -> dict:
    body = {
        "resourceType": "ServiceRequest",
        "contained": [{
            "resourceType": "Patient", "id": "pat",
            "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                                 "code": "MR"}]},
                            "system": "urn:oid:2.16.840.1.113883.19.5", "value": mrn}],
            "name": [{"family": FAMILY, "given": [GIVEN]}], "gender": "female", "birthDate": birth,
        }],
        "identifier": [{"system": "urn:ietf:rfc:3986:referral-network.example.org", "value": identifier}],
        "status": "active", "intent": "order", "priority": "routine",
        "code": {"text": "Kyphoplasty evaluation"},
        "subject": {"reference": "#pat"},
        "locationReference": [{"reference": f"Location/{ENV.clinic_id}"}],
        "reasonCode": [{"text": reason}],
        "extension": [{"url": "https://clinic.example.org/fhir/StructureDefinition/symptom-onset",
                       "valueDate": (dt.date.today() - dt.timedelta(days=18)).isoformat()}],
    }
    if requester:
        body["requester"] = {"display": "Dr. Samuel Ortiz",
                             "identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}}
    return body


def fhir_service_request_intake() -> str:
    identifier, mrn = unique("REF"), unique("FRSC")
    body = service_request_body(identifier, mrn)
    validated(body, "the ServiceRequest the test sends", "ServiceRequest")  # the test's own input is R4 too
    send = lambda b: fhir("/ServiceRequest", token=ENV.intake, method="POST", body=json.dumps(b),  # noqa: E731
                          headers={"Content-Type": FHIR_JSON})
    created = send(body)
    first = fhir_json(created, 201, "POST ServiceRequest")
    validated(first, "created ServiceRequest", "ServiceRequest")
    location = created.headers.get("location", "")
    check(location.endswith(f"/fhir/r4/ServiceRequest/{first['id']}"), f"Location header {location!r}")
    again = send(body)
    second = fhir_json(again, 200, "the same ServiceRequest again")
    check(second["id"] == first["id"], f"a repost made {second['id']}, not {first['id']}")
    check(again.headers.get("location") == location, "the repost's Location differs")
    patient_id = first["subject"]["reference"].split("/")[-1]
    bundle = fhir_json(fhir(f"/ServiceRequest?patient={patient_id}"), 200, "search by patient")
    check([e["resource"]["id"] for e in bundle.get("entry", [])] == [first["id"]],
          f"search by patient found {len(bundle.get('entry', []))} referrals, expected the one")
    changed = service_request_body(identifier, mrn, reason="Different reason: T12 fracture")
    outcome(send(changed), 422, "same identifier, different request")
    bad = outcome(send(service_request_body(unique("REF"), unique("FRSC"), requester=False)), 400, "no requester")
    expressions = [e for issue in bad["issue"] for e in issue.get("expression", [])]
    check(any(e.startswith("ServiceRequest.requester") for e in expressions), f"no requester: expression {expressions}")
    bad = outcome(send(service_request_body(unique("REF"), unique("FRSC"), birth="1958-02-30")), 400, "bad birthDate")
    expressions = [e for issue in bad["issue"] for e in issue.get("expression", [])]
    check(any("birthDate" in e for e in expressions), f"bad birthDate: expression {expressions}")
    return "201 + Location; repost 200 same id, one referral; changed body 422; no requester / bad birthDate 400 naming the element"


def fhir_scope_other_clinic() -> str:
    referral = make_referral(unique("MESA"), token=ENV.other_scheduler, clinic=ENV.other_clinic_id)
    own = fhir(f"/ServiceRequest/{referral['id']}", token=ENV.other_scheduler)
    check(own.status == 200, f"its own clinic's token reads it: {own.status}")
    body = outcome(fhir(f"/ServiceRequest/{referral['id']}", token=ENV.scheduler), 404, "another clinic's referral")
    unknown = outcome(fhir(f"/ServiceRequest/{uuid.uuid4()}", token=ENV.scheduler), 404, "an unknown referral")
    check(body["issue"][0].get("code") == unknown["issue"][0].get("code"),
          "another clinic's referral is answered differently from one that does not exist")
    outcome(fhir(f"/Patient/{referral['patient']['id']}", token=ENV.scheduler), 404, "another clinic's patient")
    outcome(fhir(f"/Location/{ENV.other_clinic_id}", token=ENV.scheduler), 404, "another clinic's Location")
    # An intake token posting a ServiceRequest for a clinic it does not reach: 422, nothing made,
    # and the OperationOutcome names the ServiceRequest element (FHIRPath), not a /v1 field.
    identifier = unique("REF")
    body = dict(service_request_body(identifier, unique("FRSC")),
                locationReference=[{"reference": f"Location/{ENV.other_clinic_id}"}])
    refused = outcome(fhir("/ServiceRequest", token=ENV.intake, method="POST", body=json.dumps(body),
                           headers={"Content-Type": FHIR_JSON}), 422, "ServiceRequest for another clinic")
    check(ENV.sql(f"SELECT count(*) FROM patients WHERE mrn = '{body['contained'][0]['identifier'][0]['value']}'") == "0",
          "a ServiceRequest for another clinic stored its patient")
    expressions = [e for issue in refused["issue"] for e in issue.get("expression", [])]
    check(all(e.startswith("ServiceRequest.") for e in expressions) and expressions,
          f"ServiceRequest for another clinic: OperationOutcome expression {expressions}, expected FHIRPath such as "
          "ServiceRequest.locationReference[0].reference")
    return ("another clinic's ServiceRequest, Patient and Location: 404 OperationOutcome, as for an unknown id; "
            "a ServiceRequest for it: 422, nothing stored")


# --- SMART Scheduling Links ----------------------------------------------------------------------

CLINIC_PHONE = "+1-303-555-0186 ext. 4"


def smart_bulk_publish() -> str:
    # One clinic with its own contact details (what SMART asks of a Location), one without: its
    # Location and free slots fall back to the deployment's booking phone.
    contact = {"phone": CLINIC_PHONE, "website": "https://front-range-spine.example.org",
               "address": {"lines": ["1600 Grant St"], "city": "Denver", "state": "CO", "postalCode": "80203",
                           "country": "US"}}
    set_contact = api("PUT", f"/v1/clinics/{ENV.clinic_id}/contact", contact)
    check(set_contact.status == 200, f"PUT contact: {set_contact.status} {set_contact.body[:200]!r}")
    answer = request("GET", ENV.port, "/fhir/r4/$bulk-publish")
    check(answer.status == 200, f"manifest without a token: {answer.status} {answer.body[:200]!r}")
    check("cache-control" in answer.headers, "the manifest has no Cache-Control")
    manifest = answer.json()
    for key in ("transactionTime", "request", "output", "error"):
        check(key in manifest, f"the manifest has no {key}")
    check(iso_has_seconds_and_offset(manifest["transactionTime"]), f"transactionTime {manifest['transactionTime']!r}")
    check(manifest["error"] == [], f"error {manifest['error']}")
    check(manifest["request"].endswith("/fhir/r4/$bulk-publish"), f"request {manifest['request']!r}")
    types = {o["type"] for o in manifest["output"]}
    check(types == {"Location", "Schedule", "Slot"}, f"output types {types}")
    files: dict[str, list[dict]] = {"Location": [], "Schedule": [], "Slot": []}
    for output in manifest["output"]:
        url = urllib.parse.urlsplit(output["url"])
        check(url.scheme in ("http", "https") and url.path.startswith("/fhir/r4/$bulk-publish/"), f"output url {output['url']}")
        got = request("GET", ENV.port, url.path)
        check(got.status == 200, f"{url.path}: {got.status}")
        check("cache-control" in got.headers, f"{url.path}: no Cache-Control")
        check(got.headers.get("content-type", "").startswith("application/fhir+ndjson"),
              f"{url.path}: Content-Type {got.headers.get('content-type')!r}")
        text = got.body.decode()
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for number, line in enumerate(lines, start=1):
            try:
                resource = json.loads(line)
            except ValueError:
                raise Failure(f"{url.path} line {number} is not one JSON object: {line[:80]!r}") from None
            check(isinstance(resource, dict), f"{url.path} line {number} is not an object")
            validated(resource, f"{url.path} line {number}", output["type"])
            files[output["type"]].append(resource)
    locations = {f"Location/{r['id']}" for r in files["Location"]}
    schedules = {f"Schedule/{r['id']}" for r in files["Schedule"]}
    check(f"Location/{ENV.clinic_id}" in locations and f"Location/{ENV.other_clinic_id}" in locations,
          "a clinic's Location is not published")
    gaps = []
    phone_of = {ENV.clinic_id: CLINIC_PHONE, ENV.other_clinic_id: BOOKING_PHONE}
    for location in files["Location"]:
        phones = [t for t in location.get("telecom", []) if t.get("system") == "phone"]
        expected = phone_of.get(location["id"], BOOKING_PHONE)
        check(any(t.get("value") == expected for t in phones), f"Location {location['id']} telecom {location.get('telecom')}")
        if location["id"] == ENV.clinic_id:
            check(any(t.get("system") == "url" for t in location.get("telecom", [])), f"Location telecom {location.get('telecom')}")
            address = location.get("address", {})
            check(address.get("line") == ["1600 Grant St"] and address.get("city") == "Denver"
                  and address.get("state") == "CO" and address.get("postalCode") == "80203",
                  f"Location address {address}")
        elif not any(t.get("system") == "url" for t in location.get("telecom", [])) or "address" not in location:
            gaps.append(f"Location {location['id'][:8]} (no contact details set) without telecom url/address")
    for schedule in files["Schedule"]:
        actors = [a["reference"] for a in schedule.get("actor", [])]
        check(any(a in locations for a in actors), f"Schedule {schedule['id']} actor {actors} is in no Location line")
        if not any(c.get("coding") for c in schedule.get("serviceType", [])):
            gaps.append(f"Schedule {schedule['id'][-10:]} serviceType without coding")
    free = 0
    for slot in files["Slot"]:
        check(slot["status"] in ("free", "busy"), f"Slot {slot['id']} status {slot['status']!r}")
        check(iso_has_seconds_and_offset(slot["start"]) and iso_has_seconds_and_offset(slot["end"]),
              f"Slot {slot['id']} start/end {slot['start']} {slot['end']}")
        check(slot["start"] < slot["end"] or dt.datetime.fromisoformat(slot["start"]) < dt.datetime.fromisoformat(slot["end"]),
              f"Slot {slot['id']} ends before it starts")
        check(slot["schedule"]["reference"] in schedules, f"Slot {slot['id']} schedule {slot['schedule']} is in no Schedule line")
        extensions = {e["url"]: e for e in slot.get("extension", [])}
        if slot["status"] == "free":
            free += 1
            link = extensions.get(DEEP_LINK, {})
            check(link.get("valueUrl") == f"{BOOKING_URL}?slot={slot['id']}",
                  f"free Slot {slot['id']} booking-deep-link {link}")
            phone = extensions.get(PHONE_EXT, {})
            clinic = slot["schedule"]["reference"].removeprefix("Schedule/")[:36]
            check(phone.get("valueString") == phone_of.get(clinic, BOOKING_PHONE),
                  f"free Slot {slot['id']} booking-phone {phone}")
    check(free > 0, "no free slot published in the next 14 days")
    missing = request("GET", ENV.port, f"/fhir/r4/$bulk-publish/{ENV.clinic_id}/patients.ndjson")
    check(missing.status == 404, f"an unknown file: {missing.status}")
    note = f"; spec gaps (not failed): {', '.join(sorted(set(gaps)))}" if gaps else ""
    return (f"manifest {len(manifest['output'])} outputs, Cache-Control {answer.headers['cache-control']!r}; "
            f"{len(files['Location'])} Locations, {len(files['Schedule'])} Schedules, {len(files['Slot'])} Slots "
            f"({free} free), every line valid R4 and every reference resolved{note}")


SCENARIOS = [
    hl7_http_final_result,
    hl7_http_redelivery_is_replay,
    hl7_http_preliminary_final_corrected,
    hl7_http_real_world_samples,
    hl7_http_refusals,
    mllp_round_trips,
    fhir_capability_statement,
    fhir_resources_validate,
    fhir_search_walked_by_fhirpy,
    fhir_service_request_intake,
    fhir_scope_other_clinic,
    smart_bulk_publish,
]


def main(argv: list[str]) -> int:
    global ENV
    if "--list" in argv:
        return run_scenarios("interop", SCENARIOS, argv, lambda s: s())
    ENV = Installation()
    try:
        status = run_scenarios("interop", SCENARIOS, argv, lambda scenario: scenario())
        levels = ("error", "critical")
        errors = [line for line in ENV.server.output().splitlines() if line.split(" ", 2)[1:2] and line.split(" ", 2)[1] in levels]
        if errors:
            print("interop: the server logged errors:\n  " + "\n  ".join(errors[:20]))
        return status
    finally:
        ENV.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
