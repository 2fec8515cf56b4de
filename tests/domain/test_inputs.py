"""domain/inputs.py: a misspelt field of a sandbox input is refused by name."""

from __future__ import annotations

import pytest

from botimpay.domain.inputs import refuse_unknown_fields
from botimpay.errors import InvalidParameter


def test_known_fields_pass() -> None:
    refuse_unknown_fields({"fault": "x", "holdMs": 1}, ("fault", "applied", "holdMs"))
    refuse_unknown_fields({}, ("fault",))


def test_the_first_unknown_field_is_named_with_the_known_ones() -> None:
    with pytest.raises(InvalidParameter) as caught:
        refuse_unknown_fields({"timescale": 1, "case": "001", "zz": 0}, {"case", "timeScale"})
    assert caught.value.message == (
        "unknown field 'timescale'; the fields are ['case', 'timeScale']"
    )


def test_a_source_prefixes_the_message() -> None:
    with pytest.raises(InvalidParameter) as caught:
        refuse_unknown_fields({"holdms": 5}, ("holdMs",), source="Botimpay-Mock-Response")
    assert caught.value.message.startswith("Botimpay-Mock-Response: unknown field 'holdms'")
