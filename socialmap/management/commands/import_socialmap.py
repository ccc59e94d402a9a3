"""python manage.py import_socialmap PATH --school SLUG [--dry-run] [--format json]"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schools.models import School
from socialmap.importing import apply_import
from socialmap.models import Kind
from socialmap.parser import parse_organisations
from socialmap.readers import DocumentError, read_document


class Command(BaseCommand):
    help = "De sociale kaart importeren uit de meldcode van een school (.txt, .docx of .pdf)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help=_("Het meldcodedocument (.txt, .docx of .pdf)."))
        parser.add_argument("--school", required=True, help=_("Slug van de school."))
        parser.add_argument("--dry-run", action="store_true", help=_("Alleen tonen wat er gevonden is, niets opslaan."))
        parser.add_argument("--format", dest="output_format", choices=["text", "json"], default="text",
                            help=_("json: een lijst met één object per organisatie."))

    def handle(self, *args, path, school, dry_run, output_format, **options):
        school_obj = School.objects.filter(slug=school).select_related("board").first()
        if school_obj is None and not dry_run:
            raise CommandError(_("School '%(slug)s' bestaat niet.") % {"slug": school})
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(_("Kan %(file)s niet lezen: %(error)s.") % {"file": path, "error": error.strerror}) from None
        try:
            organisations = parse_organisations(read_document(data, path.name))
        except DocumentError as error:
            raise CommandError(_("Er is niets opgeslagen. %(reason)s") % {"reason": error}) from None

        if output_format == "json":
            self.stdout.write(json.dumps([org.to_json() for org in organisations], ensure_ascii=False, indent=2))
        else:
            self._print_table(organisations)
        # Messages go to stderr in JSON mode so that stdout stays one valid JSON document.
        say = self.stderr.write if output_format == "json" else self.stdout.write
        if school_obj is None:
            say(_("Let op: school '%(slug)s' bestaat niet.") % {"slug": school})
        if dry_run:
            say(_("%(count)s organisaties gevonden; niets opgeslagen (--dry-run).") % {"count": len(organisations)})
            return
        if not organisations:
            raise CommandError(_("Geen organisaties gevonden in %(file)s; er is niets opgeslagen.") % {"file": path.name})
        result = apply_import(school_obj, organisations)
        say(self.style.SUCCESS(_("%(school)s: %(created)s toegevoegd, %(updated)s bijgewerkt, %(unchanged)s ongewijzigd.")
                               % {"school": school_obj.name, **result.as_dict()}))

    def _print_table(self, organisations):
        kinds = dict(Kind.choices)
        for org in organisations:
            flag = " [" + _("noodblad") + "]" if org.on_emergency_sheet else ""
            self.stdout.write(f"{org.name} ({kinds.get(org.kind, org.kind)}){flag}")
            for label, value in ((_("Contactpersoon"), org.contact), (_("Adres"), org.address.replace("\n", ", ")),
                                 (_("E-mail"), org.email), (_("Website"), org.website)):
                if value:
                    self.stdout.write(f"    {label}: {value}")
            for number, note in org.phones:
                self.stdout.write(f"    {_('Telefoon')}: {number}" + (f" ({note})" if note else ""))
