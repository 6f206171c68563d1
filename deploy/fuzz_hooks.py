"""Schemathesis hooks for deploy/fuzz.sh (loaded through SCHEMATHESIS_HOOKS).

Only rules of the API that JSON Schema cannot express belong here, so that the
positive_data_acceptance check does not report the server for keeping them. Anything the
document could say itself (a pattern, a required header, anyOf) is left for the fuzzer to find.
"""

import schemathesis


@schemathesis.hook("filter_body").apply_to(operation_id="createImagingResult")
def one_finding_per_level(context, body):
    """A study reports each vertebral level at most once (400 "reported twice" otherwise).

    JSON Schema's uniqueItems compares whole items, not one key of them. Generated bodies that
    repeat a level are dropped, whether positive or negative: a dropped negative case costs
    nothing, a kept positive one would be a false "valid data rejected".
    """
    findings = body.get("findings") if isinstance(body, dict) else None
    if not isinstance(findings, list):
        return True
    levels = [item.get("level") for item in findings if isinstance(item, dict) and isinstance(item.get("level"), str)]
    return len(levels) == len(set(levels))
