"""The Developers page shows the merchant's enabled scenes (read-only), as
`botimpay merchant add/update --scenes` set them."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.console.conftest import Account, ConsoleClient
from tests.harness import Gateway

PAGE = "/console/developers"
SCENES = re.compile(r'<p class="dev-scenes">Enabled scenes: (.*?)</p>')


def shown_scenes(client: ConsoleClient, partner_id: str) -> list[str]:
    response = client.get(PAGE, partner=partner_id)
    assert response.status_code == 200, response.text
    [line] = SCENES.findall(response.text)
    return re.findall(r"<code>([A-Z]+)</code>", line)


def test_the_page_shows_the_enabled_scenes(
    gateway: Gateway, new_client: Callable[[], ConsoleClient], operator: Account
) -> None:
    client = new_client().signed_in(operator.username, operator.password)
    every = gateway.add_merchant()
    limited = gateway.add_merchant(extra=["--scenes", "DYNQR"])
    assert shown_scenes(client, every.partner_id) == ["DYNQR", "JSAPI"]
    assert shown_scenes(client, limited.partner_id) == ["DYNQR"]
    gateway.cli("merchant", "update", "--partner-id", limited.partner_id, "--scenes", "JSAPI")
    assert shown_scenes(client, limited.partner_id) == ["JSAPI"]
