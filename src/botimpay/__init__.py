"""botimpay: a self-hosted gateway for the Botim Money Business acquiring API.

The package is layered: protocol -> domain -> store -> services -> notify -> web.
"""

__version__ = "0.1.0"
