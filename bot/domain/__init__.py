"""Pure domain rules: business numbers, business status, certificates, card numbers.

No I/O here. Callers import the modules:

>>> from bot.domain import bizno
>>> bizno.format("2208162517")
'220-81-62517'
"""
