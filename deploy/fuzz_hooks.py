"""Schemathesis hooks for deploy/fuzz.sh (loaded through SCHEMATHESIS_HOOKS).

Only rules of the API that JSON Schema cannot express belong here, so that the
positive_data_acceptance check does not report the server for keeping them. Anything the
document could say itself (a pattern, a required header, anyOf) is left for the fuzzer to find.
"""

import json
import os
import random

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


# Edits and forgeries of real cursors (deploy/fuzz.sh writes them from the live server): a cursor
# is sealed, and anything the server did not issue must be a 400, never a crash. The generator
# cannot make these itself: it only ever sends the real cursor or random text.
_HOSTILE_CURSORS = os.path.join(os.path.dirname(__file__), "..", ".local", "fuzz", "hostile-cursors.json")


def _hostile_cursors():
    try:
        with open(_HOSTILE_CURSORS) as handle:
            return json.load(handle)
    except OSError:
        return []


@schemathesis.hook("map_query").apply_to(operation_id=["listReferrals", "listAuditEntries"])
def tamper_with_cursor(context, query):
    """One case in four sends an edited or forged cursor instead of the one generated."""
    cursors = _hostile_cursors()
    if isinstance(query, dict) and cursors and random.random() < 0.25:
        query = dict(query)
        query["cursor"] = random.choice(cursors)
    return query
