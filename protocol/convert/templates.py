"""Which national or regional template a school's meldcode follows, with a confidence.

Two kinds of evidence, both explainable on the page:
- phrasing: characteristic phrases of each template (the report point of its era, its step titles, the
  afwegingskader questions), weighted; the score is the matched share of the template's weights;
- wording: for a template whose full text we hold as a reference (templates_ref/), the share of words the
  document shares with it in order (align.align).
A template's score is the larger of the two. The confidence is the best score minus half the runner-up's, so
two templates that fit equally well give a low confidence. "Regional variant": the document names a regional
Veilig Thuis or its own care team on top of the template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from protocol.convert import align
from protocol.convert.reader import Document, from_text

REF_DIR = Path(__file__).parent / "templates_ref"


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    base: str  # shipped definition the draft starts from
    report_point: str  # the base's report point as the template of that era names it
    full_reference: bool  # whether templates_ref holds the full text (wording counts then)
    pre_2019: bool
    markers: tuple[tuple[str, float], ...]


TEMPLATES = (
    Template("jso-2010", "Sjabloon JSO basisonderwijs (2010)", "jso-2010", "Advies- en Meldpunt Kindermishandeling (AMK)",
             True, True, (
                 (r"advies- en meldpunt kindermishandeling|\bamk\b", 2.0),
                 (r"stap 5:? beslissen:? zelf hulp organiseren of melden", 2.0),
                 (r"in aanmerking nemende", 1.0),
                 (r"stelt de volgende meldcode", 1.0),
                 (r"\bjso\b", 1.0),
                 (r"zorgadviesteam", 1.0),
                 (r"binnen het basisonderwijs wordt geen gebruik gemaakt van een risicotaxatie", 1.0),
             )),
    Template("basismodel-2013", "Basismodel meldcode (2013)", "jso-2010", "AMK of SHG", False, True, (
        (r"advies- en meldpunt kindermishandeling|\bamk\b", 1.0),
        (r"steunpunt huiselijk geweld|\bshg\b", 1.0),
        (r"letselduiding", 2.0),
        (r"gesprek met de cli[eë]nt", 2.0),
        (r"basismodel", 2.0),
        (r"hulp organiseren of melden", 1.0),
    )),
    Template("basismodel-2017", "Basismodel meldcode (2015/2017, Veilig Thuis)", "jso-2010", "Veilig Thuis", False, True, (
        (r"veilig thuis", 2.0),
        (r"letselduiding", 2.0),
        (r"gesprek met de cli[eë]nt", 1.0),
        (r"basismodel", 2.0),
        (r"hulp organiseren of melden", 1.0),
    )),
    Template("landelijk-2019", "Model meldcode onderwijs met afwegingskader (2019)", "landelijk-2019", "Veilig Thuis",
             False, False, (
                 (r"afwegingskader", 3.0),
                 (r"acute (en/of|of) structurele onveiligheid", 2.0),
                 (r"is melden noodzakelijk", 1.0),
                 (r"veilig thuis", 1.0),
                 (r"aanvaarden de betrokkenen", 1.0),
                 (r"binnen de (afgesproken )?termijn", 1.0),
             )),
)
BY_KEY = {t.key: t for t in TEMPLATES}

_REGIONAL_VT = re.compile(r"\bVeilig [Tt]huis ((?:[A-Z][\w'-]+)(?:[ -](?:[A-Z][\w'-]+|en|de|het)){0,3})")
# The Veilig Thuis regions (2015 on); a name the list does not hold is cut to its first word.
REGIONS = ("Groningen", "Friesland", "Fryslân", "Drenthe", "IJsselland", "Twente", "Noord- en Oost-Gelderland",
           "Gelderland-Midden", "Gelderland-Zuid", "Utrecht", "Flevoland", "Noord-Holland Noord", "Zaanstreek-Waterland",
           "Kennemerland", "Amsterdam-Amstelland", "Gooi en Vechtstreek", "Haaglanden", "Hollands Midden",
           "Rotterdam Rijnmond", "Zuid-Holland Zuid", "Zeeland", "West-Brabant", "Midden-Brabant", "Brabant Noordoost",
           "Brabant Zuidoost", "Limburg-Noord", "Zuid-Limburg", "Noord-Limburg", "Midden-Nederland", "Regio Utrecht")
_NOT_REGION = {"Het", "De", "In", "Bij", "Of", "En", "Voor", "Dit", "Zij", "U", "Meld"}


@lru_cache(maxsize=8)
def reference(key: str) -> Document:
    text = (REF_DIR / f"{key}.txt").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return from_text(body, f"{key}.txt")


@dataclass
class Recognition:
    template: Template
    confidence: float
    scores: dict[str, dict]
    variant: str
    alignment: align.Alignment

    @property
    def key(self) -> str:
        return self.template.key


def regional_report_point(text: str) -> str:
    """'Veilig Thuis Drenthe' when the document names a regional Veilig Thuis, else ''."""
    counts: dict[str, int] = {}
    for match in _REGIONAL_VT.finditer(text):
        captured = match.group(1).strip()
        known = [r for r in REGIONS if captured == r or captured.startswith(r + " ")]
        region = max(known, key=len) if known else captured.split()[0]
        if region in _NOT_REGION:
            continue
        counts[f"Veilig Thuis {region}"] = counts.get(f"Veilig Thuis {region}", 0) + 1
    if not counts:
        return ""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]


def recognise(document: Document) -> Recognition:
    text = " ".join(s.text for s in document.sentences).lower()
    scores: dict[str, dict] = {}
    alignments: dict[str, align.Alignment] = {}
    for template in TEMPLATES:
        total = sum(weight for _pattern, weight in template.markers)
        found = [pattern for pattern, _w in template.markers if re.search(pattern, text)]
        phrasing = sum(w for p, w in template.markers if p in found) / total
        alignments[template.key] = align.align(document, reference(template.key))
        wording = alignments[template.key].similarity if template.full_reference else 0.0
        scores[template.key] = {"phrasing": round(phrasing, 3), "wording": round(wording, 3),
                                "score": round(max(phrasing, wording), 3), "found": found}
    # A later model's marker (the afwegingskader, Veilig Thuis) outweighs an older one's only when the wording of
    # the older template does not carry the document: an adopted JSO text with 'Veilig Thuis' filled in stays JSO.
    ranked = sorted(TEMPLATES, key=lambda t: (-scores[t.key]["score"], t.key))
    best, second = ranked[0], ranked[1]
    confidence = max(0.0, min(1.0, scores[best.key]["score"] - scores[second.key]["score"] / 2))
    variant = ""
    regional = regional_report_point(" ".join(s.text for s in document.sentences))
    if regional:
        variant = regional
    return Recognition(template=best, confidence=round(confidence, 2), scores=scores, variant=variant,
                       alignment=alignments[best.key])
