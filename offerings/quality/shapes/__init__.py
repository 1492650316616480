"""The Commission's SHACL shapes of the ELM LOQ application profile, shipped as package data.

``LOQ-constraints.ttl`` is a byte-for-byte copy of ``rdf/ap/loq/LOQ-constraints.ttl`` in GitHub
``european-commission-empl/European-Learning-Model``, commit ``9d7c5d22002237c3afeb1750b7038e6fe2cdd371``
(2024-02-14), as collected in the team's shared samples (``elm-v3/``): version 1.1.0, modified 2023-06-05,
published by the European Commission (DG EMPL) under CC BY 4.0, as the file itself states (``dc:license``).
SHA-256 ``729af82c6b697dcaa5d591691f0583f8f63ff204820b8a9f2a3511520bcd4156``. Read by
:mod:`offerings.quality.shacl`; see ``README.md`` beside it.
"""
