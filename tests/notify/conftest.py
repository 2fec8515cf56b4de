"""The `receiver` fixture: loopback notifyUrls closed after the test."""

from tests.notify.receiver import receiver

__all__ = ["receiver"]
