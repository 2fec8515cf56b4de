"""Use cases: one database transaction each, built on the domain rules.

Merchants and keys, request authentication, and the order operations.
"""
