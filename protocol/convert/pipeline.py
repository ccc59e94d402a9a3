"""One conversion: read, recognise, align, extract, and build the draft with the person's decisions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.text import slugify
from django.utils.translation import gettext as _

from protocol.convert import reader, rules, templates
from protocol.convert.writer import draft_yaml, shipped
from protocol.definition import SHIPPED_KEYS, DefinitionError, load_definition


@dataclass
class Conversion:
    document: reader.Document
    recognition: templates.Recognition
    extraction: rules.Extraction
    base: dict
    sha256: str

    @property
    def proposals(self) -> list[rules.Proposal]:
        return self.extraction.proposals

    def key(self) -> str:
        key = slugify(self.extraction.school_name)[:60].strip("-") or "eigen-meldcode"
        return f"{key}-school" if key in SHIPPED_KEYS else key

    def build(self, proposals: list[rules.Proposal] | None = None, *, version: str = "1",
              include_pending: bool = True) -> str:
        """The draft definition as YAML: the base template with every proposal that is accepted or edited (and
        the pending ones, when include_pending) applied in order."""
        data = shipped(self.recognition.template.base)
        base = shipped(self.recognition.template.base)
        for proposal in proposals if proposals is not None else self.proposals:
            if proposal.status == "pending" and not include_pending:
                continue
            if proposal.status == "rejected" and proposal.kind != rules.TEMPLATE:
                continue  # a rejected template rule is applied: it leaves the draft
            data = rules.apply(data, proposal, base)
        data["key"] = self.key()
        data["version"] = version
        if data.get("owner", {}).get("kind") != "school":
            name = self.extraction.school_name or "de school"
            data["owner"] = {"kind": "school", "name": name}
            data["title"] = f"Meldcode huiselijk geweld en kindermishandeling {name}"[:300]
            data["adopted"] = {"by": f"Het bevoegd gezag van {name}", "on": None}
        header = (f"Concept uit {self.document.filename or 'het document'} (sha256 {self.sha256[:12]}), "
                  f"sjabloon: {self.recognition.template.title} (zekerheid {self.recognition.confidence:.2f}).\n"
                  "Gemaakt door manage.py convert_meldcode; pas na controle door een persoon vaststellen.")
        return draft_yaml(data, header)

    def as_report(self) -> dict:
        return {
            "template": self.recognition.key, "template_title": self.recognition.template.title,
            "confidence": self.recognition.confidence, "variant": self.recognition.variant,
            "scores": self.recognition.scores, "departures": len(self.recognition.alignment.departures),
            "proposals": [p.as_dict() for p in self.proposals],
            "needs_person": [n.as_dict() for n in self.extraction.needs_person],
        }


def validate(text: str) -> list[str]:
    """The validator's verdict on a draft: empty when valid (with the legal minimum)."""
    try:
        load_definition(text, "concept.yaml")
    except DefinitionError as error:
        return list(error.lines())
    return []


def convert_text(text: str, filename: str = "meldcode.txt") -> Conversion:
    document = reader.from_text(text, filename)
    return _convert(document, hashlib.sha256(text.encode("utf-8")).hexdigest())


# A meldcode of a hundred pages is about 250,000 characters; the alignment's time grows with the text.
MAX_CHARACTERS = 400_000


def convert(data: bytes, filename: str = "") -> Conversion:
    """Raises socialmap.readers.DocumentError (Dutch message) for a file that cannot be read."""
    from socialmap.readers import DocumentError

    document = reader.read(data, filename)
    if len(document.text) > MAX_CHARACTERS:
        raise DocumentError(_("Het document is veel langer dan een meldcode. Sla alleen de meldcode op als apart "
                              "document en probeer het opnieuw."))
    return _convert(document, hashlib.sha256(data).hexdigest())


def _convert(document: reader.Document, sha256: str) -> Conversion:
    recognition = templates.recognise(document)
    base = shipped(recognition.template.base)
    if recognition.template.key in ("basismodel-2017",) and "AMK" in base["names"]["report_point"]:
        base = rules.replace_report_point(base, [base["names"]["report_point"], "Advies- en Meldpunt "
                                                 "Kindermishandeling", "AMK"], "Veilig Thuis")
        base["names"]["report_point"] = "Veilig Thuis"
    extraction = rules.extract(document, recognition, base)
    return Conversion(document=document, recognition=recognition, extraction=extraction, base=base, sha256=sha256)

