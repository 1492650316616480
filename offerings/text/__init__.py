"""Reading values out of text and bytes: the parsers every crosswalk shares, and safe XML.

``parsing`` is the crosswalks' one entry point (credits, hours, EQF, modes, prices, dates), built
from ``units`` (credits, workload, prices, languages, text cleaning), ``dates`` (dates and
durations) and ``classify`` (keyword classifiers: assessment, schedule, cycle, stackability, QA).
``xml`` parses documents from strangers with entities, DTDs and the network refused. Pure
functions; may import :mod:`offerings.vocab` and :mod:`offerings.errors` only.
"""
