"""The console's Notifications page:
every outbox row with its state and attempts; resend; a test notification.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
