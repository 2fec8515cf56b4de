"""Sandbox chargebacks and VOIDs: notifications, ledger, refusals, CLI."""
