"""Every distinct failure in a Schemathesis NDJSON report, one reason per line (deploy/fuzz.sh).

Schemathesis prints one failure per operation, check and status code: once a schema-valid
request is refused with a 400 for one reason, every other 400 reason of that operation stays
hidden until the first is fixed. This lists them all, split per field where the response is a
problem with `errors`, with how many failed checks showed it and one request that did (auth
headers stay masked).

usage: python3 deploy/fuzz-failures.py REPORT.ndjson
"""

import base64
import collections
import json
import re
import sys


def text(content):
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    return content if isinstance(content, str) else ("" if content is None else json.dumps(content))


def reasons(failure, status, body):
    """What went wrong, as short stable strings to group by."""
    try:
        problem = json.loads(body)
    except ValueError:
        problem = None
    if failure["code"] in ("ST202",) and isinstance(problem, dict):
        errors = problem.get("errors") or []
        # /imagingResultIds/7 and /imagingResultIds/8 are one reason: /imagingResultIds/*
        found = [f"{re.sub(r'/[0-9]+(?=/|$)', '/*', e.get('pointer') or '') or '(no pointer)'}: {e.get('detail')}"
                 for e in errors if isinstance(e, dict)]
        return found or [str(problem.get("detail") or problem.get("title"))]
    lines = [line.strip() for line in failure.get("message", "").splitlines() if line.strip()]
    detail = next((line for line in lines if line.startswith("Invalid component")), lines[0] if lines else "")
    return [detail[:200]]


def main(path):
    groups = collections.OrderedDict()
    with open(path, encoding="utf-8") as events:
        for line in events:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished["recorder"]
            for case_id, checks in recorder.get("checks", {}).items():
                for check in checks:
                    failure = (check.get("failure_info") or {}).get("failure")
                    if check.get("status") != "failure" or not failure:
                        continue
                    case = recorder["cases"][case_id]["value"]
                    exchange = recorder.get("interactions", {}).get(case_id) or {}
                    response = exchange.get("response") or {}
                    request = exchange.get("request") or {}
                    status = response.get("status_code")
                    body = text(response.get("content"))
                    operation = f"{case['method']} {case['path']}"
                    for reason in reasons(failure, status, body):
                        key = (operation, failure["code"], failure["title"], status, reason)
                        if key not in groups:
                            sent = text(request.get("body"))
                            headers = {k: v for k, v in (request.get("headers") or {}).items()
                                       if k.lower() in ("if-match", "idempotency-key")}
                            groups[key] = [0, f"{request.get('method')} {request.get('uri')}"
                                           + (f" {headers}" if headers else "")
                                           + (f" {sent[:300]}" if sent else "")]
                        groups[key][0] += 1
    for (operation, code, title, status, reason), (count, example) in sorted(groups.items()):
        print(f"{operation}  {code} {title}  [{status}] x{count}\n    {reason}\n    e.g. {example}")
    print(f"{len(groups)} distinct failure reasons")


if __name__ == "__main__":
    main(sys.argv[1])
