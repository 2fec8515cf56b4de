"""Every response code of the Botim Money reference: the SDK's one table, re-exported.

The table is written once, in `botimpay_sdk.codes` (the wire core the gateway
shares with the SDK). Each constant is a `ResponseCode`: the wire string with
`.code`, `.msg`, `.description` and `.is_global`; two codes are equal only when
code and msg both are (400 carries three messages), so compare them with `is`
or `==`, never by `.code` alone.
"""

from botimpay_sdk.codes import *  # noqa: F403
from botimpay_sdk.codes import ALL_CODES as ALL_CODES
from botimpay_sdk.codes import ResponseCode as ResponseCode
