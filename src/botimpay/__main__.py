"""`python -m botimpay` runs the CLI."""

from botimpay.cli import main

main()
