"""Property-based fuzzing of the gateway's input surfaces (issue 10), on both backends.

Hypothesis drives a real `botimpay serve`: signed merchant API calls with hostile
values in every field, hostile envelopes and bytes, and the unsigned sandbox and pages.
"""
