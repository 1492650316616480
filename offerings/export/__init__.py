"""An offering written out for others: ELM v3 JSON-LD and LOQ XML, schema.org Course JSON-LD.

``elm_jsonld`` and ``elm_xml`` are the ELM crosswalk run backwards (for Europass, the QDR and
aggregators); ``schema_org`` gives search engines and the API's ``application/ld+json`` a Course.
Pure functions of a record; may import :mod:`offerings.model`, :mod:`offerings.vocab` and
:mod:`offerings.errors`.
"""
