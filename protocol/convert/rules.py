"""Departures from the template turned into rules of the format, each with the document's sentence as source.

A Proposal is one change to the draft (or one template rule the document confirms), with an editable value
and an `apply` that writes it into the plain definition. What no extractor can turn into a rule stays in
`needs_person`, with its source: nothing in the document is dropped silently.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from protocol.convert import align
from protocol.convert.reader import Document, Sentence
from protocol.convert.writer import shipped

DEPARTURE, TEMPLATE, LEGAL = "departure", "template", "legal"

ROLE_WORDS = (
    (r"\bib\b|\bib'?\s?er\b|intern(e)? begeleider", "ib"),
    (r"\bdirecteur\b|\bdirectie\b|schoolleider|locatieleider", "directie"),
    (r"aandachtsfunctionaris", "ib"),
)
ROLE_NAMES = {"ib": "de intern begeleider", "directie": "de directie", "leerkracht": "de leerkracht",
              "bestuur": "het bestuur"}
# The school's own care team; the municipality's teams (wijkteam, sociaal team, jeugdteam) are partners on the
# sociale kaart, not the team the meldcode means.
CARE_TEAM_TERMS = ("zorgadviesteam", "ondersteuningsadviesteam", "ondersteuningsteam", "zorgteam", "zorgoverleg",
                   "multidisciplinair overleg")
_STEP = re.compile(r"^stap\s+(\d|een|één|twee|drie|vier|vijf)\s*([ab])?\b", re.IGNORECASE)
_ATTENDS = re.compile(r"(gesprek|doe dit|voert? (de leerkracht|u)).{0,60}?\b(samen met|in aanwezigheid van|"
                      r"bijgestaan door)\s+(de\s+|het\s+)?(?P<who>ib\b|ib'?\s?er|intern(e)? "
                      r"begeleider|directeur|directie|aandachtsfunctionaris)", re.IGNORECASE)
_CONSULT = re.compile(r"(?:bespreekt? (u )?de signalen|overleg[t]?|consulteer[t]?)\s+(altijd |eerst |in ieder geval |u )?"
                      r"(met )?(de\s+|het\s+)?(?P<who>ib\b|ib'?\s?er|intern(e)? begeleider|directeur|"
                      r"directie|aandachtsfunctionaris)", re.IGNORECASE)
_DEADLINE = re.compile(r"\bbinnen\s+(\d+|een|één|twee|drie|vier|vijf|zes|zeven|tien|veertien)\s+(werk|school)?(dag|dagen|week|"
                       r"weken|maand|maanden|uur)\b", re.IGNORECASE)
_FINAL = re.compile(r"eindverantwoordelijk", re.IGNORECASE)
_VERWIJSINDEX = re.compile(r"vanaf stap\s*(\d)[^.]{0,80}verwijsindex|verwijsindex[^.]{0,80}vanaf stap\s*(\d)",
                           re.IGNORECASE)


_ROLE = r"(?P<who>ib\b|ib'?\s?er|intern(e)? begeleider|directeur|directie|schoolleider|aandachtsfunctionaris)"
_ATTENDS_ALL = (
    _ATTENDS,
    re.compile(r"gesprek[^.]{0,80}?\b(gevoerd|voert)\b[^.]{0,30}?\bdoor\s+(de\s+)?leerkracht\s+(en|samen met)\s+(de\s+|het\s+)?"
               + _ROLE, re.IGNORECASE),
    re.compile(r"bij (dit|het|elk|ieder) gesprek[^.]{0,30}?\b(is|zijn|zit)\s+(ook\s+|altijd\s+|steeds\s+)?(de\s+|het\s+)?"
               + _ROLE + r"[^.]{0,20}?\baanwezig", re.IGNORECASE),
    re.compile(r"gesprek[^.]{0,60}?\bgevoerd door\s+(de\s+|het\s+)?" + _ROLE, re.IGNORECASE),
    re.compile(r"\b(de\s+|het\s+)?" + _ROLE + r"\s+(is|zit|neemt)\s+(altijd\s+|steeds\s+|ook\s+)?(aanwezig bij|bij|deel aan)"
               r"\s+(dit|het|elk|ieder|alle)\s+(gesprek|gesprekken)", re.IGNORECASE),
)
# Sentences that look like a rule but are not one of this meldcode: an example or case, a tip pointing to another
# protocol, an old version or the history of a name, a fill-in field, a body's reachability, the version line.
_ASIDE = re.compile(
    r"^\W*(tip|voorbeeld|casus|wist u dat)\b|\b(voorbeeld|casus)\b[^.:]{0,30}:"
    r"|\b(vorige|oude|eerdere) versie\b|\bversie \d|\bin de meldcode van (19|20)\d\d\b|\bnog alleen\b"
    r"|\b(tot|sinds|per) (\d{1,2} \w+ )?(19|20)\d\d\b|\bheette\b|\bvoorheen\b|\bvervallen\b|\bwerkt niet meer\b"
    r"|\w+protocol\b|\bprotocol\s+(?!van deze meldcode)\w+"
    r"|klik of tik om|\.{6,}|…{2,}|\bin te vullen\b|\bbereikbaar\b|\bvastgesteld (door|op)\b", re.IGNORECASE)
# A deadline another body keeps (Veilig Thuis investigates within five days) is not the school's.
_OTHERS_DEADLINE = re.compile(r"^\W*(veilig thuis|het amk|amk|advies- en meldpunt|de politie|de raad|de inspectie)\b",
                              re.IGNORECASE)
# "samen met de intern begeleider of de directeur": a choice between roles the format cannot hold.
_ALTERNATIVE_ROLES = re.compile(_ROLE + r"\s+of\s+(de\s+|het\s+|een\s+)?" + _ROLE.replace("?P<who>", "?P<alt>"),
                                re.IGNORECASE)


def is_aside(text: str) -> bool:
    """An example, a tip, a pointer to another protocol, history or an empty fill-in field: never a rule's source."""
    return bool(_ASIDE.search(text))


_CHILD_AGE = re.compile(r"leerling[^.]{0,60}?\b(vanaf|van|wanneer deze)\s+(?P<age>\d{1,2})\s+jaar", re.IGNORECASE)
_CONSENT_AGE = re.compile(r"toestemming[^.]{0,80}?leerling[^.]{0,40}?\b(vanaf|van)\s+(?P<age>\d{1,2})\s+jaar",
                          re.IGNORECASE)


_SCHOOL_WORD = (r"(?:O\.?B\.?S\.?|C\.?B\.?S\.?|R\.?K\.?B\.?S\.?|P\.?C\.?B\.?S\.?|K\.?B\.?S\.?|IKC|SBO|S\.?B\.?O\.?|"
                r"Basisschool|[Kk]indcentrum|Integraal [Kk]indcentrum|Montessorischool|Daltonschool|Jenaplanschool|"
                r"Vrije [Ss]chool)")
_NAME_WORDS = (r"(?:(?:de|het|De|Het|'t|van|den)\s+[\w'’.-]+|[A-Z][\w'’.-]*)"
               r"(?:\s+(?:(?:De|Het|de|het)\s+[\w'’.-]+|[A-Z][\w'’.-]*|van|den)){0,3}")
_SCHOOL = re.compile(r"(?P<name>\b" + _SCHOOL_WORD + r"\s+" + _NAME_WORDS + ")"
                     r"|bevoegd gezag van (?:de school\s+)?(?P<name2>" + _NAME_WORDS + ")")


def is_minor(dep) -> bool:
    """Only a different spelling or word form: 'eer gerelateerd' for 'eergerelateerd', 'heeft' for 'hebben'."""
    template_side, doc_side = " ".join(dep.template_words), " ".join(dep.doc_words)
    if dep.kind != "changed":
        return False
    if template_side.replace(" ", "") == doc_side.replace(" ", ""):
        return True
    return len(dep.doc_words) <= 2 and len(dep.template_words) <= 2 and \
        difflib.SequenceMatcher(None, template_side, doc_side).ratio() >= 0.5


def owner_of(departures, sentence):
    return next((d for d in departures if d.kind != "removed" and sentence in d.doc), None)


_ROLE2 = _ROLE.replace("?P<who>", "?P<who2>")
_OFFICER = re.compile(r"\b(de\s+|het\s+)?" + _ROLE + r"\s+(is|fungeert als|treedt op als)\s+(de\s+|onze\s+)?"
                      r"aandachtsfunctionaris|aandachtsfunctionaris(\s+\w+){0,4}\s*(is|:)\s+(de\s+|onze\s+)?"
                      + _ROLE2, re.IGNORECASE)
# "Bereid het gesprek samen met de IB voor" or "raadpleeg de IB" is help with the conversation, not presence at it.
_NOT_ATTENDING = re.compile(r"voorbereid|voor te bereiden|bereid[^.]*\bvoor\b|raadpleeg|ondersteuning nodig|"
                            r"advies (vragen|krijgen)|niet (samen|aanwezig)", re.IGNORECASE)


def attendee_role(text: str) -> str:
    """The role the sentence says attends the conversation with the parent ('' when it says none)."""
    if _NOT_ATTENDING.search(text):
        return ""
    for pattern in _ATTENDS_ALL:
        match = pattern.search(align.fold(text)) or pattern.search(text)
        if match:
            return role_of(match.group("who"))
    return ""


def final_roles(text: str) -> list[str]:
    """Who the sentence makes finally responsible; 'namens het bevoegd gezag' does not make the board so."""
    text = re.sub(r"namens (het|de) (bevoegd gezag|bestuur|schoolbestuur)", "", text, flags=re.IGNORECASE)
    head = re.split(r"eindverantwoordelijk", text, flags=re.IGNORECASE)[0]
    subject = head if re.search(r"directie|directeur|schoolleider|bestuur|bevoegd gezag|intern begeleider|\bib\b",
                                head, re.IGNORECASE) else text
    patterns = {"directie": r"directie|directeur|schoolleider|leidinggevende", "bestuur": r"bestuur|bevoegd gezag",
                "ib": r"intern begeleider|\bib\b"}
    return [role for role, pattern in patterns.items() if re.search(pattern, subject, re.IGNORECASE)]


def role_of(text: str) -> str:
    folded = align.fold(text)
    for pattern, role in ROLE_WORDS:
        if re.search(pattern, folded):
            return role
    return ""


@dataclass
class Proposal:
    id: str
    kind: str
    title: str
    value: str
    source: dict | None
    template_text: str = ""
    explanation: str = ""
    status: str = "pending"  # pending, accepted, edited, rejected
    edited_value: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def effective_value(self) -> str:
        return self.edited_value if self.status == "edited" else self.value


@dataclass
class NeedsPerson:
    text: str
    source: dict | None
    why: str
    template_text: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Extraction:
    proposals: list[Proposal] = field(default_factory=list)
    needs_person: list[NeedsPerson] = field(default_factory=list)
    school_name: str = ""


def _src(sentence: Sentence | None) -> dict | None:
    return {"text": sentence.text, "page": sentence.page, "line": sentence.line, "index": sentence.index} if sentence else None


_SECTION = re.compile(r"^(?:(?:II|III|IV|V|VI)\b[.\s]|(?:bijlage|verantwoordelijkheden|taken en verantwoordelijkheden|"
                      r"sociale kaart|randvoorwaarden)\b)", re.IGNORECASE)
_NUMBER_WORDS = {"een": "1", "één": "1", "twee": "2", "drie": "3", "vier": "4", "vijf": "5"}
_STEP_WORDS = r"kaart|signalen|consultatie|collega|gesprek|ouder|wegen|weging|beslissen|hulp|melden|afwegingskader"
_NUMBERED_STEP = re.compile(r"^(\d)\s*([ab])?[.)]\s+(?=\S)(?=.*\b(" + _STEP_WORDS + r"))", re.IGNORECASE)


def step_of(document: Document) -> dict[int, str]:
    """The step each sentence belongs to: the last step heading above it ('' before the first). A heading is
    'Stap 3', 'Stap drie' or a numbered heading that names a step ('3. Gesprek met de ouder')."""
    current, out = "", {}
    for s in document.sentences:
        match = _STEP.match(s.text) if (s.heading or len(s.text) < 130) else None
        numbered = _NUMBERED_STEP.match(s.text) if len(s.text) < 80 and s.text[-1:] != "." else None
        if match:
            number = _NUMBER_WORDS.get(match.group(1).lower(), match.group(1))
            current = number + (match.group(2) or "").lower()
        elif numbered:
            current = numbered.group(1) + (numbered.group(2) or "").lower()
        elif len(s.text) < 130 and _SECTION.match(s.text):
            current = ""  # a new part (responsibilities, the sociale kaart, an appendix): no step any more
        out[s.index] = current
    return out


def _original(sentence: Sentence, tokens: list[str]) -> str:
    """The document's own spelling of a run of normalised words in a sentence."""
    if not tokens:
        return ""
    pattern = r"\W+".join(re.escape(t) for t in tokens)
    match = re.search(pattern, align.fold(sentence.text))
    if not match:
        return " ".join(tokens)
    return sentence.text[match.start():match.end()]


# --- applying proposals to the plain definition ------------------------------------------------------------

def _walk_strings(node, change):
    if isinstance(node, dict):
        return {k: _walk_strings(v, change) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk_strings(v, change) for v in node]
    if isinstance(node, str):
        return change(node)
    return node


def _step(data: dict, step_id: str) -> dict | None:
    return next((s for s in data.get("steps", []) if str(s.get("id")) == step_id), None)


def _requirement(step: dict, rid: str) -> tuple[str, dict] | tuple[None, None]:
    for kind in ("requires", "advice"):
        for item in step.get(kind, []) or []:
            if item.get("id") == rid:
                return kind, item
    return None, None


def replace_report_point(data: dict, old_forms: list[str], new: str) -> dict:
    forms = sorted({f for f in old_forms if f}, key=len, reverse=True)

    def change(text: str) -> str:
        for form in forms:
            text = re.sub(r"\b(het |aan het |bij het |met het )?" + re.escape(form) + r"(?![\w-])",
                          lambda m: (m.group(1) or "").replace("het ", "") + new, text)
        return text

    data = _walk_strings(data, change)
    slug = "veilig_thuis" if "veilig thuis" in new.lower() else ""
    if slug:
        for step in data.get("steps", []):
            for kind in ("requires", "advice"):
                for item in step.get(kind, []) or []:
                    item["id"] = item["id"].replace("amk", slug)
    return data


def _apply_template(data: dict, proposal: Proposal) -> dict:
    """A template rule the person edited (its text) or rejected (a step's requirement or advice leaves the draft;
    the validator then says whether the law allows that)."""
    parts = proposal.id.split(":")
    value = proposal.effective_value.strip()
    edited, rejected = proposal.status == "edited" and value, proposal.status == "rejected"
    if parts[1] == "step":
        step = _step(data, parts[2])
        kind, item = _requirement(step, parts[3]) if step else (None, None)
        if item is None and step is not None:
            kind, item = _requirement(step, parts[3].replace("amk", "veilig_thuis"))
        if item is None:
            return data
        if rejected:
            step[kind].remove(item)
            if not step[kind]:
                del step[kind]
        elif edited:
            item["rule"] = value
    elif edited and parts[1] == "names":
        data["names"][parts[2]] = value
    elif edited and parts[1] in ("consent", "verwijsindex"):
        data.setdefault(parts[1], {})["rule"] = value
    elif edited and parts[1] == "final_responsibility":
        data["final_responsibility"]["text"] = value
    elif edited and parts[1] == "exemption":
        for exemption in data.get("exemptions", []):
            if exemption["id"] == parts[2]:
                exemption["rule"] = value
    elif edited and parts[1] == "route" and parts[2] in data.get("routes", {}):
        data["routes"][parts[2]]["guidance"] = value
    return data


def apply(data: dict, proposal: Proposal, base: dict) -> dict:
    value = proposal.effective_value.strip()
    pid = proposal.id
    if pid.startswith("template:"):
        return _apply_template(data, proposal)
    if pid.startswith("text:"):
        if proposal.status == "rejected" or not value:
            return data
        as_edit = Proposal("template:" + pid.removeprefix("text:"), TEMPLATE, proposal.title, proposal.value, None,
                           status="edited", edited_value=value)
        return _apply_template(data, as_edit)
    if proposal.status == "rejected" or not value:
        return data
    if pid == "school_name":
        data["owner"] = {"kind": "school", "name": value}
        data["title"] = f"Meldcode huiselijk geweld en kindermishandeling {value}"
        data["adopted"] = {"by": f"Het bevoegd gezag van {value}", "on": None}
        data = _walk_strings(data, lambda t: t.replace("privacyreglement van de school", f"privacyreglement van {value}")
                             .replace("voor de school werkt", f"voor {value} werkt"))
    elif pid == "report_point":
        old = base["names"]["report_point"]
        forms = [old, "Advies- en Meldpunt Kindermishandeling", "AMK"] if "AMK" in old else [old]
        data = replace_report_point(data, forms, value)
        data["names"]["report_point"] = value
    elif pid == "care_team":
        data["names"]["care_team"] = value
    elif pid == "attention_officer":
        data["names"]["attention_officer"] = value
    elif pid.startswith("attends:"):
        step_id, role = pid.split(":")[1], attendee_role(value) or role_of(value) or "ib"
        step = _step(data, step_id)
        if step is not None:
            if step_id == "3":
                carried = list(dict.fromkeys(list(step.get("carried_out_by", [])) + [role]))
                step["carried_out_by"] = carried
                rest = [r for r in step.get("involved", []) if r not in carried]
                step["involved"] = rest or ([] if "directie" in carried else ["directie"])
                _kind, conversation = _requirement(step, "parent_conversation")
                if conversation is not None:
                    # "de leerkracht voert het gesprek samen met de IB": both are there
                    teacher = ["leerkracht"] if re.search(r"leerkracht", value, re.IGNORECASE) and role != "leerkracht" else []
                    conversation["roles_present"] = teacher + [role]
                    conversation["rule"] = f"{conversation['rule']} {value}".strip()
                    conversation["need"] = (f"Bespreek de signalen met de ouder, samen met {ROLE_NAMES[role]}, en leg "
                                            "het gesprek vast.")
                step["goal"] = f"{step['goal'].rstrip('.')}, samen met {ROLE_NAMES[role]}."
                step.setdefault("role_rules", []).insert(0, f"Dit gesprek wordt altijd gevoerd samen met {ROLE_NAMES[role]}.")
            else:
                step.setdefault("role_rules", []).append(
                    f"Een gesprek met de ouder over de zorg voert de leerkracht samen met {ROLE_NAMES[role]}.")
    elif pid == "consult_with":
        role = role_of(value) or "ib"
        step = _step(data, "2")
        if step is not None:
            _kind, consultation = _requirement(step, "collegial_consultation")
            if consultation is not None:
                # the school names the colleague to consult; the template's "colleague or care team" narrows to it
                consultation["where"] = {**(consultation.get("where") or {}), "with": ["colleague"]}
                consultation["need"] = f"Bespreek de signalen met {ROLE_NAMES[role]} of in het {data['names']['care_team']}."
                consultation["rule"] = value
            step["goal"] = re.sub(r"met een deskundige collega", f"met {ROLE_NAMES[role]}", step.get("goal", ""))
    elif pid.startswith("demote:"):
        _p, step_id, rid = pid.split(":")
        step = _step(data, step_id)
        kind, item = _requirement(step, rid) if step else (None, None)
        if item is None and step is not None:  # the report point's proposal renamed it already
            kind, item = _requirement(step, rid.replace("amk", "veilig_thuis"))
        if item is not None and kind == "requires":
            step["requires"].remove(item)
            item["rule"] = value
            bodies = []
            if re.search(r"veilig thuis|\bamk\b|meldpunt", value, re.IGNORECASE):
                bodies.append("veilig_thuis")
            if re.search(r"jeugdgezondheidszorg|\bjgz\b|jeugdarts|ggd", value, re.IGNORECASE):
                bodies.append("organisation")
            if bodies:
                item["where"] = {"with": bodies[0] if len(bodies) == 1 else bodies}
            item["need"] = f"Zo nodig: {item['need'][0].lower()}{item['need'][1:]}"
            step.setdefault("advice", []).append(item)
    elif pid.startswith("role_rule:"):
        step = _step(data, pid.split(":")[1])
        if step is not None:
            step.setdefault("role_rules", []).append(value)
    elif pid == "verwijsindex_from":
        data.setdefault("verwijsindex", {})["from_step"] = value
    elif pid == "child_involvement_age":
        data["child_involvement_age"] = int(value) if value.isdigit() else data["child_involvement_age"]
    elif pid == "final_responsibility":
        roles = final_roles(value)
        if roles:
            data["final_responsibility"] = {"roles": roles, "text": value}
    elif pid == "consent_pupil_age":
        if value.isdigit():
            data.setdefault("consent", {})["pupil_from_age"] = int(value)
    elif pid == "afwegingskader_2019":
        model = shipped("landelijk-2019")
        questions = replace_report_point({"q": model["afwegingskader"]}, ["Veilig Thuis"],
                                         data["names"]["report_point"])["q"]
        data["afwegingskader"] = questions
    return data


# --- extraction ------------------------------------------------------------------------------------------------

def _content(text: str) -> set[str]:
    return {w for w in align.words(text) if len(w) > 3}


def best_sentence(document: Document, text: str, skip: set[int], minimum: float = 0.4) -> Sentence | None:
    """The document sentence that best carries a template rule text (share of the rule's content words)."""
    wanted = _content(text)
    if not wanted:
        return None
    best, best_score = None, 0.0
    for s in document.sentences:
        if s.index in skip or is_aside(s.text):
            continue
        have = _content(s.text)
        score = len(wanted & have) / len(wanted) - 0.1 * (len(have - wanted) > 2 * len(wanted))
        if score > best_score:
            best, best_score = s, score
    return best if best_score >= minimum else None


def extract(document: Document, recognition, base: dict) -> Extraction:
    from protocol.convert.templates import regional_report_point

    result = Extraction()
    alignment = recognition.alignment
    template = recognition.template
    steps = step_of(document)
    departures = alignment.departures
    kaart = alignment.kaart
    body = [s for s in document.sentences if s.index not in kaart]
    # what can carry a rule: not an example, a tip, another protocol, history or an empty fill-in field
    body_rules = [s for s in body if not is_aside(s.text)]

    def consume(dep, how):
        if not dep.consumed_by:
            dep.consumed_by = how

    # 1. the school's name: what the document put where the template has its placeholder
    names: dict[str, int] = {}
    first_source = None
    for dep in departures:
        if dep.template_words == [align.PLACEHOLDER] and dep.doc:
            name = _original(dep.doc[0], dep.doc_words)
            names[name] = names.get(name, 0) + 1
            first_source = first_source or dep.doc[0]
            consume(dep, "school_name")
    if names:
        name = sorted(names.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0][0]
        result.school_name = name
        result.proposals.append(Proposal("school_name", DEPARTURE, _("Naam van de school"), name, _src(first_source),
                                         "[naam basisschool]", _("Ingevuld waar het sjabloon [naam basisschool] heeft.")))

    if not names:
        # no placeholder to compare with: the school as the document's opening lines name it
        for sentence in body[:25]:
            match = _SCHOOL.search(sentence.text)
            if match:
                name = re.sub(r"[\s,;:]+$", "", match.group("name") or match.group("name2"))
                if not re.search(r"[A-Z]", name) or re.fullmatch(r"(de|het) school", name, re.IGNORECASE):
                    continue
                result.school_name = name
                result.proposals.append(Proposal("school_name", DEPARTURE, _("Naam van de school"), name,
                                                 _src(sentence), "", _("De school zoals de eerste regels van het document haar noemen.")))
                claim_sentence = owner_of(departures, sentence)
                if claim_sentence is not None:
                    consume(claim_sentence, "school_name")
                break

    # 2. the report point
    regional = regional_report_point(" ".join(s.text for s in body_rules))
    base_point = base["names"]["report_point"]
    new_point = regional or ("Veilig Thuis" if "AMK" in base_point and re.search(
        r"veilig thuis", " ".join(s.text for s in body_rules), re.IGNORECASE) else "")
    if new_point and new_point != base_point:
        point_words = align.words(new_point)
        source = None
        for dep in sorted(departures, key=lambda d: (len(d.doc_words), d.doc[0].index if d.doc else 0)):
            joined = " ".join(dep.doc_words)
            if " ".join(point_words) in joined:
                source = source or (dep.doc[0] if dep.doc else None)
                old = set(dep.template_words)
                if old <= {"advies", "en", "meldpunt", "kindermishandeling", "amk", "het", "veilig", "thuis"} or \
                        len(dep.doc_words) <= len(point_words) + 1:
                    consume(dep, "report_point")
        if source is None or is_aside(source.text):
            source = next((s for s in body_rules if new_point.lower() in s.text.lower()), None)
        result.proposals.append(Proposal("report_point", DEPARTURE, _("Meldpunt (namen van instanties)"), new_point,
                                         _src(source), base_point,
                                         _("Het document noemt dit meldpunt waar het sjabloon het AMK noemt; de naam wordt overal in de meldcode vervangen.")))

    # 3. the care team: an abbreviation dropped or another team named where the template names its team
    base_team = base["names"]["care_team"]
    team_words = set(align.words(base_team))
    for dep in departures:
        if dep.consumed_by or not dep.doc:
            continue
        removed = set(dep.template_words)
        if dep.kind == "removed" and removed and removed <= team_words and "(" in base_team:
            short = re.sub(r"\s*\([^)]*\)", "", base_team).strip()
            if short.lower() in align.fold(dep.doc[0].text):
                result.proposals.append(Proposal("care_team", DEPARTURE, _("Naam van het zorgteam"), short,
                                                 _src(dep.doc[0]), base_team,
                                                 _("Het document noemt het team zonder de afkorting van het sjabloon.")))
                consume(dep, "care_team")
                break
        if dep.kind == "changed" and removed & team_words:
            doc_text = " ".join(dep.doc_words)
            term = next((t for t in CARE_TEAM_TERMS if t in doc_text and t not in base_team.lower()), None)
            if term:
                result.proposals.append(Proposal("care_team", DEPARTURE, _("Naam van het zorgteam"),
                                                 _original(dep.doc[0], align.words(term)), _src(dep.doc[0]), base_team,
                                                 _("Het document noemt een ander team waar het sjabloon het zorgteam noemt.")))
                consume(dep, "care_team")
                break

    # The sentences the school wrote itself: those in departures; for a template whose full text we do not hold,
    # every sentence of the document (nothing can be told apart from the template then).
    owner: dict[int, align.Departure] = {}
    for dep in departures:
        if dep.kind != "removed":
            for sentence in dep.doc:
                owner.setdefault(sentence.index, dep)
    own = [s for s in body_rules if s.index in owner or not template.full_reference]

    def claim(sentence, how):
        if sentence.index in owner:
            consume(owner[sentence.index], how)

    def template_side(sentence):
        return owner[sentence.index].template_text[:300] if sentence.index in owner else ""

    # 4. who attends the parent conversation, per step
    ib_named = False
    seen_steps = set()
    for sentence in own:
        step_id = steps.get(sentence.index, "")
        role = attendee_role(sentence.text)
        if not role or step_id not in ("1", "3"):
            continue
        if _ALTERNATIVE_ROLES.search(align.fold(sentence.text)) or _ALTERNATIVE_ROLES.search(sentence.text):
            claim(sentence, "attends")
            result.needs_person.append(NeedsPerson(sentence.text, _src(sentence), _(
                "Het document laat de keuze tussen twee rollen ('of'); het formaat kan die keuze niet vastleggen. "
                "Kies wie er altijd bij het gesprek is."), template_side(sentence)))
            continue
        claim(sentence, "attends")
        ib_named = ib_named or role == "ib"
        if step_id in seen_steps:
            # the full text of step 3 states the rule in the school's own words: prefer it as the source
            existing = next(p for p in result.proposals if p.id == f"attends:{step_id}")
            if len(sentence.text) >= len(existing.value) or sentence.line > (existing.source or {}).get("line", 0):
                existing.value, existing.source = sentence.text, _src(sentence)
            continue
        seen_steps.add(step_id)
        what = _("het gesprek met de ouder (stap 3)") if step_id == "3" else _("het delen van de zorg met de ouder (stap 1)")
        result.proposals.append(Proposal(
            f"attends:{step_id}", DEPARTURE, _("Wie is bij %(what)s") % {"what": what}, sentence.text, _src(sentence),
            template_side(sentence), _("Het document zegt wie bij %(what)s aanwezig is; dat wordt een eis (roles_present) en een rolregel.")
                                     % {"what": what}))

    # 5. with whom the signals are discussed (step 2)
    for sentence in own:
        match = _CONSULT.search(align.fold(sentence.text)) or _CONSULT.search(sentence.text)
        if match and steps.get(sentence.index) == "2":
            ib_named = ib_named or role_of(match.group("who")) == "ib"
            result.proposals.append(Proposal("consult_with", DEPARTURE, _("Met wie u de signalen bespreekt (stap 2)"),
                                             sentence.text, _src(sentence), template_side(sentence),
                                             _("Het document noemt een vaste gesprekspartner waar het sjabloon 'een deskundige collega' heeft.")))
            claim(sentence, "consult_with")
            break

    # 5b. the care team under a name of the school's own, used throughout the document
    if not any(p.id == "care_team" for p in result.proposals):
        counts: dict[str, list[Sentence]] = {}
        for sentence in body:
            folded = align.fold(sentence.text)
            for term in CARE_TEAM_TERMS:
                if re.search(rf"\b{term}\b", folded):
                    counts.setdefault(term, []).append(sentence)
                    break
        base_main = align.fold(re.sub(r"\s*\([^)]*\)", "", base_team)).strip()
        ranked = sorted(counts.items(), key=lambda item: (-len(item[1]), item[0]))
        if ranked and ranked[0][0] != base_main and len(ranked[0][1]) >= 2 and \
                len(ranked[0][1]) > len(counts.get(base_main, [])):
            term, where = ranked[0]
            first = where[0]
            name = _original(first, align.words(term))
            abbreviation = re.search(re.escape(name) + r"\s*\(([A-Z]{2,6})\)", first.text)
            value = f"{name} ({abbreviation.group(1)})" if abbreviation else name
            result.proposals.append(Proposal("care_team", DEPARTURE, _("Naam van het zorgteam"), value, _src(first),
                                             base_team, _("Het document noemt dit team %(count)s keer; het sjabloon noemt een ander team.")
                                                        % {"count": len(where)}))
            claim(first, "care_team")

    # 6. the aandachtsfunctionaris: named outright ("De intern begeleider is de aandachtsfunctionaris"), or: the
    # template leaves it open ("mogelijk de intern begeleider"); a school that names the IB in its own steps and
    # keeps "als aandachtsfunctionaris is aangesteld" under the IB has chosen.
    base_officer = base["names"]["attention_officer"]
    for sentence in own:
        match = _OFFICER.search(align.fold(sentence.text)) or _OFFICER.search(sentence.text)
        role = role_of(match.group("who") or match.group("who2")) if match else ""
        if role:
            title = re.search(r"aandachtsfunctionaris(\s+huiselijk geweld en kindermishandeling)?", sentence.text,
                              re.IGNORECASE)
            title = title.group(0).lower() if title else "aandachtsfunctionaris"
            value = {"ib": "intern begeleider", "directie": "directeur"}[role] + f" ({title})"
            if value != base_officer:
                result.proposals.append(Proposal("attention_officer", DEPARTURE, _("Aandachtsfunctionaris"), value,
                                                 _src(sentence), base_officer,
                                                 _("Het document noemt wie de aandachtsfunctionaris is.")))
                claim(sentence, "attention_officer")
            break
    if any(p.id == "attention_officer" for p in result.proposals):
        pass
    elif ib_named and "intern begeleider" not in base["names"]["attention_officer"].split("(")[0]:
        source = next((s for s in body if re.search(r"als aandachtsfunctionaris.*aangesteld", s.text, re.IGNORECASE)),
                      None)
        if source is not None:
            result.proposals.append(Proposal("attention_officer", DEPARTURE, _("Aandachtsfunctionaris"),
                                             "intern begeleider (aandachtsfunctionaris)", _src(source),
                                             base["names"]["attention_officer"],
                                             _("De school noemt de IB in haar eigen stappen, en de IB is volgens de taken 'als aandachtsfunctionaris aangesteld'.")))

    # 7. a requirement the school left out: demoted to advice when the step's overview still mentions it
    for step in base.get("steps", []):
        for item in step.get("requires", []) or []:
            rule = item.get("rule", "")
            rule_words = set(align.words(rule))
            if not rule_words or item.get("check") or item.get("record") in ("conversation", "signal", "report"):
                continue
            removal = next((d for d in departures if d.kind == "removed" and
                            len(rule_words & set(d.template_words)) >= 0.8 * len(rule_words)), None)
            if removal is None:
                continue
            consume(removal, "demote")
            in_step = [s for s in body if steps.get(s.index) == str(step["id"])]
            remnant = next((s for s in in_step if re.search(r"veilig thuis|\bamk\b|meldpunt|jeugdgezondheidszorg",
                                                             s.text, re.IGNORECASE)), None)
            if remnant is None:
                result.needs_person.append(NeedsPerson(
                    removal.template_text[:400], _src(removal.first),
                    _("Het sjabloon eist dit in stap %(step)s ('%(id)s'); uw document noemt het niet meer. De eis blijft staan "
                      "tot iemand beslist.") % {"step": step["id"], "id": item["id"]}, removal.template_text[:400]))
                continue
            before = next((s for s in in_step if s.index == remnant.index - 1 and not s.heading), None)
            value = f"{before.text.rstrip('.')}. {remnant.text}" if before else remnant.text
            value = re.sub(r"\.{2,}", ".", value)
            result.proposals.append(Proposal(
                f"demote:{step['id']}:{item['id']}", DEPARTURE, _("Eis wordt advies (stap %(step)s)") % {"step": step["id"]}, value,
                _src(remnant), rule, _("Uw document schrapt deze plicht uit de tekst van de stap; alleen het routeschema noemt haar nog. Ze wordt een advies in plaats van een eis.")))

    # 8. deadlines, final responsibility, the Verwijsindex, ages: only where the school's value differs
    for sentence in own:
        dep = owner.get(sentence.index)
        if dep is not None and dep.consumed_by:
            continue
        if _DEADLINE.search(sentence.text) and steps.get(sentence.index) and not _OTHERS_DEADLINE.search(sentence.text):
            step_id = _deadline_step(base, steps[sentence.index], sentence.text)
            result.proposals.append(Proposal(
                f"role_rule:{step_id}:{sentence.index}", DEPARTURE,
                _("Termijn in stap %(step)s") % {"step": step_id}, sentence.text, _src(sentence), template_side(sentence),
                _("Een termijn van de school; die wordt een rolregel van de stap.")))
            claim(sentence, "deadline")
            continue
        if _FINAL.search(sentence.text) and not any(p.id == "final_responsibility" for p in result.proposals):
            roles = final_roles(sentence.text)
            if roles and roles != list((base.get("final_responsibility") or {}).get("roles", [])):
                result.proposals.append(Proposal("final_responsibility", DEPARTURE, _("Eindverantwoordelijkheid"),
                                                 sentence.text, _src(sentence), template_side(sentence),
                                                 _("Het document legt de eindverantwoordelijkheid bij: %(roles)s.")
                                                 % {"roles": ", ".join(roles)}))
                claim(sentence, "final")
                continue
        match = _VERWIJSINDEX.search(sentence.text)
        if match and not any(p.id == "verwijsindex_from" for p in result.proposals):
            step_no = match.group(1) or match.group(2)
            if step_no != str((base.get("verwijsindex") or {}).get("from_step")):
                result.proposals.append(Proposal("verwijsindex_from", DEPARTURE, _("Verwijsindex vanaf stap"),
                                                 step_no, _src(sentence), template_side(sentence)))
                claim(sentence, "verwijsindex")
                continue
        match = _CHILD_AGE.search(sentence.text)
        if match and steps.get(sentence.index) == "5b" and int(match.group("age")) != base.get("child_involvement_age"):
            if not any(p.id == "child_involvement_age" for p in result.proposals):
                result.proposals.append(Proposal("child_involvement_age", DEPARTURE,
                                                 _("Leerling betrekken bij het gesprek over de melding vanaf"),
                                                 match.group("age"), _src(sentence), template_side(sentence)))
                claim(sentence, "age")
                continue
        match = _CONSENT_AGE.search(sentence.text)
        if match and int(match.group("age")) != (base.get("consent") or {}).get("pupil_from_age"):
            if not any(p.id == "consent_pupil_age" for p in result.proposals):
                result.proposals.append(Proposal("consent_pupil_age", DEPARTURE,
                                                 _("Toestemming van de leerling zelf vanaf"), match.group("age"),
                                                 _src(sentence), template_side(sentence)))
                claim(sentence, "consent_age")

    # 9. the template's own rules, with the document sentence that still carries each
    skip = set(kaart)
    for step in base.get("steps", []):
        for kind in ("requires", "advice"):
            for item in step.get(kind, []) or []:
                if any(p.id == f"demote:{step['id']}:{item['id']}" for p in result.proposals):
                    continue
                _template_rule(result, document, skip, f"step:{step['id']}:{item['id']}",
                               _("Stap %(step)s: %(need)s") % {"step": step["id"], "need": item["need"]}, item.get("rule", ""))
    names = base.get("names", {})
    for key, label in (("report_point", _("Meldpunt")), ("care_team", _("Zorgteam")), ("attention_officer",
                                                                                  _("Aandachtsfunctionaris"))):
        if any(p.id == key for p in result.proposals):
            continue
        short = re.sub(r"\s*\([^)]*\)", "", names.get(key, "")).strip()
        carrying = [s for s in body_rules if short and short.lower() in s.text.lower()]
        naming = [s for s in carrying if _NAMING.search(s.text)]
        if naming:
            result.needs_person.append(NeedsPerson(naming[0].text, _src(naming[0]), _(
                "Het document geeft hier een eigen naam; controleer de naam (%(name)s in het sjabloon).")
                % {"name": names[key]}, names[key]))
            continue
        source = carrying[0] if carrying else None
        if source is not None:
            result.proposals.append(Proposal(f"template:names:{key}", TEMPLATE, f"{label}: {names[key]}", names[key],
                                             _src(source), names[key],
                                             _("Naam uit het sjabloon; uw document noemt haar.")))
    for key in ("consent", "verwijsindex", "final_responsibility"):
        section = base.get(key) or {}
        _template_rule(result, document, skip, key, {"consent": _("Toestemming van de ouder"),
                                                     "verwijsindex": _("Verwijsindex"),
                                                     "final_responsibility": _("Eindverantwoordelijkheid")}[key],
                       section.get("rule") or section.get("text", ""))
    for exemption in base.get("exemptions", []):
        _template_rule(result, document, skip, f"exemption:{exemption['id']}", exemption["title"], exemption["rule"])
    for route_id, route in (base.get("routes") or {}).items():
        _template_rule(result, document, skip, f"route:{route_id}", _("Route: %(title)s") % {"title": route["title"]},
                       route.get("guidance", ""))

    # 9b. a template rule the school put in its own words (a departure no other proposal used): its sentence
    for proposal in [p for p in result.proposals if p.kind == TEMPLATE and p.source]:
        dep = owner.get(proposal.source["index"])
        if dep is None or dep.consumed_by or is_minor(dep) or proposal.id.startswith("template:names:"):
            continue
        consume(dep, "text")
        result.proposals.append(Proposal(
            "text:" + proposal.id.removeprefix("template:"), DEPARTURE, _("In eigen woorden: %(title)s") % {"title": proposal.title},
            proposal.source["text"], proposal.source, proposal.value,
            _("De school formuleert deze regel van het sjabloon anders; de regel krijgt haar eigen zin.")))

    # 10. the legal minimum on top of an older template
    if template.pre_2019:
        result.proposals.append(Proposal(
            "afwegingskader_2019", LEGAL, _("Wettelijk minimum: het afwegingskader van 2019"), "afwegingskader 2019",
            None, _("de beslisvragen van het sjabloon"),
            _("Sinds 1 januari 2019 moet een meldcode het afwegingskader bevatten (Besluit verplichte meldcode). Uw "
              "document is ouder; deze toevoeging vervangt de beslisvragen door de vijf vragen van het landelijk "
              "model.")))

    # 11. everything else the school changed: for a person
    for dep in departures:
        if dep.consumed_by:
            continue
        template_side, doc_side = " ".join(dep.template_words), " ".join(dep.doc_words)
        if dep.kind == "changed" and template_side.replace(" ", "") == doc_side.replace(" ", ""):
            why = _("Alleen spelling anders dan het sjabloon; geen regel.")
        elif dep.kind == "changed" and len(dep.doc_words) <= 2 and len(dep.template_words) <= 2 and \
                difflib.SequenceMatcher(None, template_side, doc_side).ratio() >= 0.5:
            why = _("Alleen een woordvorm anders dan het sjabloon; geen regel.")
        elif any(doc_side and doc_side in " ".join(d.template_words) for d in departures if d.kind == "removed") or \
                any(template_side and template_side in " ".join(d.doc_words) for d in departures if d.kind == "added"):
            why = _("Tekst van het sjabloon op een andere plaats; geen regel.")
        elif dep.kind == "removed":
            why = _("Deze tekst van het sjabloon staat niet in uw document.")
        else:
            why = _("Eigen tekst van de school die de converter niet in een regel kan omzetten.")
        result.needs_person.append(NeedsPerson(dep.text if dep.kind != "removed" else dep.template_text[:400],
                                               _src(dep.first), why, dep.template_text[:400]))
    return result


# "Het zorgteam van de school heet het Zorgteam Plus", "Waar het RET staat, wordt ... bedoeld", "het OT is het zorgteam"
_NAMING = re.compile(r"\b(heet|heten|noemen we|noemen wij|genoemd|bedoeld)\b|\([A-Z]{2,6}\)[^.]{0,60}\bis (het|ons|onze)\b",
                     re.IGNORECASE)


def _deadline_step(base: dict, step_id: str, text: str) -> str:
    """A document's 'stap 5' where the format has 5a (help) and 5b (report): the step the sentence is about."""
    ids = {str(s["id"]) for s in base.get("steps", [])}
    if step_id in ids or step_id != "5":
        return step_id
    if re.search(r"\bhulp\b", text, re.IGNORECASE) and "5a" in ids:
        return "5a"
    if re.search(r"\bmeld", text, re.IGNORECASE) and "5b" in ids:
        return "5b"
    return "4" if "4" in ids else step_id


def _template_rule(result: Extraction, document: Document, skip: set[int], pid: str, title: str, rule: str) -> None:
    if not rule:
        return
    first = re.split(r"(?<=[.:;])\s+", rule.strip())[0]
    source = best_sentence(document, first, skip) or best_sentence(document, rule, skip)
    if source is None:
        result.needs_person.append(NeedsPerson(rule, None, _("Regel van het sjabloon die de converter niet in uw document terugvindt; zij blijft staan tot iemand beslist.")))
        return
    result.proposals.append(Proposal(f"template:{pid}", TEMPLATE, title, rule, _src(source), rule,
                                     _("Regel van het sjabloon; uw document bevat haar ook.")))
