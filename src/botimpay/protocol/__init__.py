"""Wire format of the Botim Money acquiring API.

Signing, the head/body envelope, response codes, Money and request models.
"""
