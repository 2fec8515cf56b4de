"""Checks shared by the sandbox's JSON inputs (fault specs, test-plan runs, the mock header)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from botimpay.errors import InvalidParameter


def refuse_unknown_fields(
    raw: Mapping[str, object], known: Collection[str], *, source: str = ""
) -> None:
    """InvalidParameter naming the first field of `raw` not in `known` (and the fields
    that are), so a misspelt option is never silently ignored."""
    unknown = sorted(set(raw) - set(known))
    if unknown:
        prefix = f"{source}: " if source else ""
        raise InvalidParameter(
            f"{prefix}unknown field {unknown[0]!r}; the fields are {sorted(known)}"
        )
