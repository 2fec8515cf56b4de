"""Request model of the member endpoint (9_Member/get-balance.mdx)."""

from __future__ import annotations

from botimpay.protocol.fields import Required32
from botimpay.protocol.requests import WireModel


class GetBalanceBiz(WireModel):
    """bizContent of member/getBalance (the page's GetMemberBalanceRequest).

    Any non-empty currencyCode passes here: one the gateway does not hold is the
    documented business refusal 78001, not a malformed request."""

    currencyCode: Required32


__all__ = ["GetBalanceBiz"]
