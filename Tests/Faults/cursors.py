"""Edits and forgeries of server-issued cursors, for the fault tests and the fuzzer's hook."""

import base64


def b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def mutate_cursor(cursor: str) -> list[str]:
    """Edits of a cursor the server issued, and forgeries of what it might carry."""
    payload, _, tag = cursor.partition(".")
    out = [cursor[:-1], cursor[1:], cursor + "A", cursor.upper(), cursor.lower(), tag + "." + payload,
           payload, "." + tag, cursor.replace(".", ".."), cursor + "." + tag, cursor * 2, cursor[: len(cursor) // 2]]
    for index in range(0, len(cursor), max(1, len(cursor) // 8)):
        flipped = "B" if cursor[index] != "B" else "C"
        out.append(cursor[:index] + flipped + cursor[index + 1:])
    for forged in ["-9223000000000000000:3f1c2a4e-0000-4000-8000-000000000001",
                   "referrals:-9223372036854775808:3f1c2a4e-0000-4000-8000-000000000001",
                   "referrals:9223372036854775807:3f1c2a4e-0000-4000-8000-000000000001",
                   "audit:-1", "audit:9223372036854775808", "audit:99999999999999999999"]:
        out += [b64url(forged), b64url(forged) + "." + tag]
    out += ["A" * 201, "é" * 50, "%00", "../../etc/passwd"]
    return out
