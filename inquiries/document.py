"""What the school gives an asker: the dossier's chronology with the withheld entries emptied, and the request
itself at the top (who asked, on what basis, what, whether the parents were told)."""

from django.utils.translation import gettext as _

from documents import dossier
from inquiries.models import InformationRequest, WithholdGround

TEMPLATE = "inquiries/answer_document.html"


def answer_context(inquiry: InformationRequest) -> dict:
    case = inquiry.case
    withheld = list(inquiry.withheld.all())
    grounds = {item.entry_id: str(WithholdGround(item.ground).label) for item in withheld}
    entries = dossier.doc_entries(case, withheld=grounds, saved_until=inquiry.reviewed_until)
    sections = dossier.sections(case, entries)
    counts: dict[str, int] = {}
    for label in grounds.values():
        counts[label] = counts.get(label, 0) + 1
    return {
        "case": case, "header": dossier.case_header(case), "inquiry": inquiry,
        "title": _("Informatie op verzoek van %(who)s, dossier %(ref)s") % {
            "who": inquiry.get_requester_kind_display(), "ref": case.reference},
        "sections": sections, "withheld_counts": sorted(counts.items()), "withheld_total": len(withheld),
    }
