"""The documents: what each one contains (as template context), and the life of an export job.

Views build the same context for the screen preview that the export task renders into the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, Entry, EntryKind
from documents import dossier
from documents.models import EXPORT_LIFETIME, ExportJob, ExportKind, InspectionExport, InspectionGround
from protocol.wording import NATIONAL

TEMPLATES = {
    ExportKind.DOSSIER_PDF: "documents/dossier.html",
    ExportKind.VT_SUMMARY: "documents/vt_summary.html",
    ExportKind.ANONYMISED: "documents/anonymised.html",
    ExportKind.INSPECTION: "documents/inspection.html",
    ExportKind.EVALUATION_PDF: "documents/evaluation.html",
    ExportKind.INFORMATION: "inquiries/answer_document.html",
    ExportKind.HANDOVER: "documents/handover.html",
}
AUDIT_ACTIONS = {kind: f"export.{kind}" for kind in ExportKind.values}
FILE_NAMES = {
    ExportKind.DOSSIER_PDF: "dossier", ExportKind.VT_SUMMARY: "samenvatting-veilig-thuis",
    ExportKind.ANONYMISED: "anoniem", ExportKind.INSPECTION: "inzage", ExportKind.EVALUATION_PDF: "jaarevaluatie",
    ExportKind.INFORMATION: "informatieverzoek", ExportKind.HANDOVER: "onderwijskundig-rapport-veiligheid",
}


# --- the complete dossier -------------------------------------------------------------------------------------

def dossier_context(case: Case) -> dict:
    entries = dossier.doc_entries(case)
    sections = dossier.sections(case, entries)
    dossier.name_attachments(sections)
    return {"case": case, "header": dossier.case_header(case), "sections": sections,
            "title": _("Dossier %(ref)s") % {"ref": case.reference}}


def pdf_attachments(context: dict) -> list[tuple[str, bytes, str]]:
    """(file name, bytes, content type) of every attachment the document names, to embed in its PDF (PDF/A-3
    allows embedded files). Pictures are also shown on the page. Only the export worker calls this: it decrypts."""
    import base64

    from vault.uploads import JPEG, PNG

    named = [doc for doc in dossier.all_entries(context.get("sections", [])) if doc.attachment_name]
    stored = {entry.pk: entry.attachment for entry in Entry.objects.filter(
        pk__in=[doc.entry_id for doc in named]).select_related("attachment")}
    files = []
    for doc in named:
        attachment = stored.get(doc.entry_id)
        if attachment is None:
            continue
        data = attachment.read()
        if attachment.content_type in (PNG, JPEG):
            doc.attachment_image = f"data:{attachment.content_type};base64,{base64.b64encode(data).decode()}"
        files.append((doc.attachment_name, data, attachment.content_type))
    return files


# --- the summary for Veilig Thuis -----------------------------------------------------------------------------

@dataclass
class SummaryItem:
    number: int
    when: str
    title: str
    rows: list[tuple[str, str]]
    from_others: str  # empty when the school saw it itself; else who it comes from
    hypothesis: bool
    corrected: bool
    signed_by: list[str]
    statements: list = field(default_factory=list)  # the parent's or pupil's statements about this entry


FACT_KINDS = (EntryKind.SIGNAL, EntryKind.FOLLOWUP, EntryKind.EMERGENCY_CONTACT, EntryKind.NOTE)
PARENT_KINDS = (EntryKind.CONVERSATION, EntryKind.CONSENT, EntryKind.EXEMPTION, EntryKind.STATEMENT)
DECISION_KINDS = (EntryKind.WEIGHING, EntryKind.HELP, EntryKind.HELP_EVALUATION, EntryKind.VERWIJSINDEX,
                  EntryKind.REPORT, EntryKind.FEEDBACK, EntryKind.DUTY, EntryKind.CLOSURE)
# Lazy: read in the language of each export, not of the process start.
PARTNER_LABELS = {"colleague": gettext_lazy("een collega"), "care_team": gettext_lazy("het zorgteam"),
                  "veilig_thuis": gettext_lazy("Veilig Thuis"),
                  "organisation": gettext_lazy("een organisatie van de sociale kaart"),
                  "injury_expert": gettext_lazy("een letseldeskundige")}


def _latest_version(entry: dossier.DocEntry) -> dossier.DocEntry:
    return entry.corrections[-1] if entry.corrections else entry


def _summary_item(entry: dossier.DocEntry, words=NATIONAL) -> SummaryItem:
    shown = _latest_version(entry)
    rows = [(label, value) for label, value in shown.rows if label != str(_("Bron"))]
    source = dict(shown.rows).get(str(_("Bron")), "")
    from_others = ""
    if entry.kind == EntryKind.SIGNAL and (shown.has_source or source):
        from_others = source or _("een ander")
    elif entry.kind == EntryKind.CONSULTATION:
        partner = shown.facts.get("with")
        from_others = _("advies van %(who)s") % {"who": words.say(PARTNER_LABELS.get(partner, _("een ander")))}
    elif entry.kind == EntryKind.FEEDBACK:
        from_others = words.say(_("Veilig Thuis"))
    return SummaryItem(number=entry.number, when=shown.when, title=entry.kind_label, rows=rows,
                       from_others=from_others, hypothesis=shown.is_hypothesis, corrected=bool(entry.corrections),
                       signed_by=[s.participant for s in (shown.signatures or entry.signatures) if s.signed],
                       statements=list(entry.statements))


PLAN_KINDS = (EntryKind.HELP, EntryKind.PLAN)
HELP_PLAN_FIELDS = ("help_description", "plan", "monitoring")


def plan_items(entries: list[dossier.DocEntry], words=NATIONAL) -> list[SummaryItem]:
    """The plans: the handelingsplan of the help decision (5a: which help, the plan, the monitoring moments; the
    rest of that decision stands under the decisions) and every handelingsplan or begeleidingsplan entry."""
    from cases.forms import HelpForm

    help_labels = {str(HelpForm.base_fields[name].label) for name in HELP_PLAN_FIELDS}
    plans = []
    for entry in entries:
        if entry.kind not in PLAN_KINDS:
            continue
        item = _summary_item(entry, words)
        if entry.kind == EntryKind.HELP:
            item.rows = [(label, value) for label, value in item.rows if label in help_labels]
            item.title = str(_("Handelingsplan bij de hulp (5a)"))
        plans.append(item)
    return plans


@dataclass
class TaskLine:
    """One line of the taakverdeling: what is to be done, who does it, by when, and what was agreed."""

    task: str
    who: str
    when: str = ""
    note: str = ""


def _day(value) -> str:
    from datetime import date

    try:
        return date.fromisoformat(str(value)).strftime("%d-%m-%Y")
    except ValueError:
        return ""


def taakverdeling(case: Case) -> list[TaskLine]:
    """Who does what in this case: the tasks the taakverdeling gave to a party, the help of 5a with its case manager,
    who keeps the handelingsplan, and the actions still open (with whom they lie and by when). The newest version
    of every entry; a corrected one is left out."""
    saved = list(case.saved_entries().filter(kind__in=(EntryKind.ASSIGNMENT, EntryKind.HELP, EntryKind.PLAN))
                 .order_by("occurred_at", "pk"))
    corrected = {entry.corrects_id for entry in saved if entry.corrects_id}
    lines = []
    for entry in saved:
        if entry.pk in corrected:
            continue
        content, facts = entry.content or {}, entry.facts or {}
        if entry.kind == EntryKind.ASSIGNMENT:
            lines.append(TaskLine(content.get("task", ""), content.get("party", ""), note=content.get("agreement", "")))
        elif entry.kind == EntryKind.HELP:
            provider = content.get("provider_name") or content.get("provider_other") or ""
            lines.append(TaskLine(_("Hulp: %(help)s") % {"help": content.get("help_description", "")}, provider,
                                  _day(facts.get("deadline", "")),
                                  _("Casusregisseur: %(who)s") % {"who": content["case_manager"]}
                                  if content.get("case_manager") else ""))
        else:
            evaluations = ", ".join(filter(None, (_day(d) for d in facts.get("evaluate_on") or ())))
            lines.append(TaskLine(_("Regie op het handelingsplan"), content.get("who", ""), note=(
                _("Evaluatie op %(dates)s") % {"dates": evaluations}) if evaluations else ""))
    for task in case.tasks.filter(done_at__isnull=True).select_related("assignee").order_by("due_on", "pk"):
        lines.append(TaskLine(str(task.get_kind_display()), task.assignee.full_name if task.assignee else "—",
                              task.due_on.strftime("%d-%m-%Y")))
    return lines


def vt_summary_context(case: Case) -> dict:
    entries = dossier.doc_entries(case)

    def items(kinds):
        return [_summary_item(e, words) for e in entries if e.kind in kinds]

    words = case.words()
    return {
        "case": case, "header": dossier.case_header(case),
        "title": words.say(_("Samenvatting voor Veilig Thuis, dossier %(ref)s") % {"ref": case.reference}),
        "facts": items(FACT_KINDS), "consultations": items((EntryKind.CONSULTATION,)),
        "parents": items(PARENT_KINDS), "decisions": items(DECISION_KINDS),
        "plans": plan_items(entries, words), "tasks": taakverdeling(case),
        "today": timezone.localdate(),
    }


# --- the anonymised summary -----------------------------------------------------------------------------------

def anonymised_context(case: Case) -> dict:
    anonymiser = dossier.anonymiser_for_case(case)
    entries = dossier.doc_entries(case, anonymiser=anonymiser)
    today = timezone.localdate()
    pupil = case.pupil
    guardians = [(g.relation or _("ouder"), g.has_authority) for g in pupil.guardians.current()]
    return {
        "case": None, "title": _("Geanonimiseerde samenvatting"), "words": case.words(),
        "about": {
            "age": anonymiser.age(pupil.date_of_birth, today),
            "group": pupil.group,
            "guardians": guardians,
            "siblings": case.siblings.count(),
            "route": case.get_route_display(),
            "flag_fgm": case.flag_fgm, "flag_honour": case.flag_honour,
            "status": case.get_status_display(),
            "opened": anonymiser.day(timezone.localtime(case.opened_at)),
            "today": anonymiser.day(today),
            "meldcode": anonymiser.text(case.meldcode_version.title),
        },
        "sections": dossier.sections(case, entries),
    }


# --- inspection by a parent or pupil --------------------------------------------------------------------------

def inspection_context(inspection: InspectionExport) -> dict:
    case = inspection.case
    withheld_items = list(inspection.withheld.all())
    grounds = {item.entry_id: InspectionGround(item.ground).label for item in withheld_items}
    entries = dossier.doc_entries(case, withheld={k: str(v) for k, v in grounds.items()},
                                  saved_until=inspection.created_at)
    sections = dossier.sections(case, entries)
    dossier.name_attachments(sections)  # not those of withheld entries
    counts: dict[str, int] = {}
    for item in withheld_items:
        label = str(InspectionGround(item.ground).label)
        counts[label] = counts.get(label, 0) + 1
    return {
        "case": case, "header": dossier.case_header(case), "inspection": inspection,
        "title": _("Inzage in het dossier %(ref)s") % {"ref": case.reference},
        "sections": sections, "withheld_counts": sorted(counts.items()),
        "withheld_total": len(withheld_items),
    }


# --- the safeguarding paragraph of the onderwijskundig rapport (warm handover) --------------------------------

def handover_entries(case: Case) -> list[Entry]:
    """The case's saved handovers that are not corrected away (newest version of each), oldest first."""
    saved = list(case.saved_entries().filter(kind=EntryKind.HANDOVER).order_by("occurred_at", "pk"))
    corrected = {e.corrects_id for e in saved if e.corrects_id}
    return [e for e in saved if e.pk not in corrected]


def handover_context(case: Case, entry_id: int) -> dict:
    """One handover as the safeguarding paragraph for the receiving school, with a copy for the parents. Only what
    the handover itself records (and the parent's statements about it), never the rest of the dossier."""
    handover = next((e for e in handover_entries(case) if e.pk == entry_id), None)
    if handover is None:
        raise Entry.DoesNotExist
    top = dossier.doc_entries(case)
    doc, statements = None, []
    for original in top:  # the handover's newest version; the statements hang on the original it corrects
        for version in [original, *dossier.all_entries([dossier.Section("", "", original.corrections)])]:
            if version.entry_id == handover.pk:
                doc, statements = version, original.statements
    pupil = case.pupil
    return {
        "case": case, "entry": doc, "rows": doc.rows, "statements": statements,
        "pupil": pupil, "school": case.school, "coordinator": case.coordinator.full_name if case.coordinator else "",
        "receiving_school": (handover.content or {}).get("receiving_school", ""),
        "title": _("Onderwijskundig rapport — veiligheidsparagraaf"), "today": timezone.localdate(),
    }


# --- export jobs ----------------------------------------------------------------------------------------------

def create_job(kind: str, user, *, case=None, school=None, board=None, inspection=None, params=None) -> ExportJob:
    """Record the job and hand it to the background worker."""
    from documents.tasks import build_export

    purge_expired()
    job = ExportJob.objects.create(kind=kind, case=case, school=school or (case.school if case else None),
                                   board=board, inspection=inspection, params=params or {}, requested_by=user)
    build_export.enqueue(job.pk)
    job.refresh_from_db()
    return job


def purge_expired(now=None) -> int:
    """Delete generated files that were never downloaded within their lifetime."""
    now = now or timezone.now()
    expired = list(ExportJob.objects.filter(created_at__lt=now - EXPORT_LIFETIME,
                                            status__in=[ExportJob.Status.DONE, ExportJob.Status.PENDING,
                                                        ExportJob.Status.RUNNING, ExportJob.Status.FAILED])
                   .select_related("result"))
    for job in expired:
        discard_result(job, ExportJob.Status.EXPIRED)
    return len(expired)


def discard_result(job: ExportJob, status: str):
    stored = job.result
    job.result = None
    job.status = status
    job.save(update_fields=["result", "status"])
    if stored is not None:
        stored.delete()  # the vault removes the encrypted blob once this is committed
