"""Benchmark suite (issue 6): wrk against the gateway, a floor app and an optional peer."""
