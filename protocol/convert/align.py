"""Where the school's text departs from its template: a word-level alignment (difflib) shown per paragraph.

Both texts are cut into sentences (reader.from_text) and normalised word by word (case, punctuation, quotes,
the template's placeholders). SequenceMatcher then aligns the two word streams; this survives the different
line wrapping of a PDF and a Word document, which a sentence-by-sentence comparison would not. Each stretch
of inserted, replaced or deleted words becomes a Departure with the document's sentences (page/line) and the
template's words it replaces.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from protocol.convert.reader import Document, Sentence

PLACEHOLDER = "⟨school⟩"
_PLACEHOLDERS = re.compile(r"\[(naam )?(basis)?school\]|\[naam( van de)? (organisatie|instelling)\]|\[schoolnaam\]",
                           re.IGNORECASE)
_WORD = re.compile(r"[0-9a-zà-ÿ⟨⟩]+(?:[-'][0-9a-zà-ÿ]+)*")
_KAART_FIELD = re.compile(r"^\s*(organisatie|contactpersoon|adres|telefoon(nummer)?|e-?mail(adres)?|website|fax)\s*:",
                          re.IGNORECASE)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _PLACEHOLDERS.sub(f" {PLACEHOLDER} ", text).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def in_kaart(sentences: list[Sentence]) -> set[int]:
    """Sentences of the sociale kaart (from its heading on: field lines, short entries). The kaart is read by
    the sociale-kaart importer; comparing phone numbers with the template's empty blocks would only be noise."""
    out: set[int] = set()
    inside = False
    for s in sentences:
        lowered = s.text.lower()
        if "sociale kaart" in lowered and (s.heading or len(s.text) < 90) and not lowered.startswith("de sociale"):
            inside = True
            out.add(s.index)
            continue
        if inside:
            if _KAART_FIELD.match(s.text) or len(words(s.text)) < 8 or re.search(r"\d{3,}|@|https?://|www\.", s.text):
                out.add(s.index)
            elif re.match(r"^(stap|[IVX]{1,4}[.\s])", s.text):
                inside = False
    return out


@dataclass
class Departure:
    kind: str  # "changed", "added", "removed"
    doc: list[Sentence] = field(default_factory=list)
    doc_words: list[str] = field(default_factory=list)
    template_text: str = ""
    template_words: list[str] = field(default_factory=list)
    consumed_by: str = ""

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.doc)

    @property
    def first(self) -> Sentence | None:
        return self.doc[0] if self.doc else None


@dataclass
class Alignment:
    departures: list[Departure]
    matched_words: int
    template_word_count: int
    document_word_count: int
    kaart: set[int]
    # per document sentence: the share of its words the template holds too
    sentence_match: dict[int, float]

    @property
    def similarity(self) -> float:
        total = self.template_word_count + self.document_word_count
        return 2 * self.matched_words / total if total else 0.0


def _stream(sentences: list[Sentence], skip: set[int]) -> tuple[list[str], list[int]]:
    tokens, owners = [], []
    for s in sentences:
        if s.index in skip:
            continue
        for w in words(s.text):
            tokens.append(w)
            owners.append(s.index)
    return tokens, owners


def align(document: Document, reference: Document) -> Alignment:
    kaart = in_kaart(document.sentences)
    ref_kaart = in_kaart(reference.sentences)
    doc_tokens, doc_owner = _stream(document.sentences, kaart)
    ref_tokens, ref_owner = _stream(reference.sentences, ref_kaart)
    matcher = difflib.SequenceMatcher(None, ref_tokens, doc_tokens, autojunk=False)
    departures: list[Departure] = []
    matched = 0
    covered: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            matched += i2 - i1
            for j in range(j1, j2):
                covered[doc_owner[j]] = covered.get(doc_owner[j], 0) + 1
            continue
        kind = {"replace": "changed", "insert": "added", "delete": "removed"}[tag]
        owners = sorted(set(doc_owner[j1:j2]))
        if kind == "removed":
            # anchor a removal at the document sentence it falls in (or the one before)
            anchor = doc_owner[j1 - 1] if 0 < j1 <= len(doc_owner) else (doc_owner[0] if doc_owner else None)
            owners = [anchor] if anchor is not None else []
        ref_sentences = sorted(set(ref_owner[i1:i2]))
        departures.append(Departure(
            kind=kind,
            doc=[document.sentences[i] for i in owners],
            doc_words=doc_tokens[j1:j2],
            template_text=" ".join(reference.sentences[i].text for i in ref_sentences),
            template_words=ref_tokens[i1:i2],
        ))
    counts: dict[int, int] = {}
    for owner in doc_owner:
        counts[owner] = counts.get(owner, 0) + 1
    share = {index: covered.get(index, 0) / n for index, n in counts.items()}
    return Alignment(departures=departures, matched_words=matched, template_word_count=len(ref_tokens),
                     document_word_count=len(doc_tokens), kaart=kaart, sentence_match=share)
