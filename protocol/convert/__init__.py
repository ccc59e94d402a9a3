"""From a school's own Word/PDF meldcode to a draft definition in the meldcode format (issue 18).

    document = reader.read(data, filename)          # sentences with page and line
    match = templates.recognise(document)           # which template, with a confidence
    alignment = align.align(document, match.reference)   # where the school departs from it
    draft = rules.extract(document, match, alignment)    # proposed rules, each with its source
    text = writer.draft_yaml(draft)                 # a format-1 definition, for the validator

Deterministic: no network, no models; the same bytes always give the same draft (`convert`).
"""


from protocol.convert.pipeline import Conversion, convert, convert_text, validate  # noqa: E402, F401
