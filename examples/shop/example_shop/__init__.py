"""An example merchant shop built on botimpay_sdk only: product page, checkout, notify, status.

Run it with `python -m example_shop --help`; see examples/shop/README.md.
"""
