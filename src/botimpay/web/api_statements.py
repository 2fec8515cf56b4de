"""The reconciliation endpoint of the merchant API: acquire2/download/getOrderStatement
(8_Reconciliation/statement-download.mdx): the day's statement ZIP, or the envelope."""

from __future__ import annotations

from pydantic import BaseModel

from botimpay.domain.statements import StatementVersion
from botimpay.protocol.statement_requests import GetOrderStatementBiz
from botimpay.services.auth import MerchantAuth
from botimpay.services.statements import StatementService
from botimpay.web.operation import Operation, RawAnswer
from botimpay.web.schemas import ResponseHead, Strict, _request
from botimpay.web.state import AppState

ZIP = "application/zip"


class GetOrderStatementRefusal(Strict):
    """The answer when no ZIP is sent (62013, 62014, 400, ...): the signed envelope's
    `head` alone. On success the answer is the ZIP itself, `application/zip` with
    `Content-Disposition: attachment; filename=...Transaction_Settle_Statement.zip`."""

    head: ResponseHead


GetOrderStatementRequest: type[BaseModel] = _request(
    "GetOrderStatementRequest", GetOrderStatementBiz
)


async def _get_order_statement(
    state: AppState, auth: MerchantAuth, biz: GetOrderStatementBiz, request_time: int
) -> RawAnswer:
    found = await StatementService(state.db, state.clock).download(
        auth.merchant.partner_id, biz.statementDate, StatementVersion(biz.statementVersion)
    )
    return RawAnswer(found.content, ZIP, found.filename)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "acquire2/download/getOrderStatement",
        "Download the day's transaction, settlement and fund statements as a ZIP",
        GetOrderStatementBiz,
        GetOrderStatementRequest,
        GetOrderStatementRefusal,
        _get_order_statement,
        file_media_type=ZIP,
    ),
)
