"""python manage.py convert_meldcode FILE [--output draft.yaml] [--report report.json] [--without-legal]"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from protocol.convert import convert, validate
from socialmap.parser import parse_organisations
from socialmap.readers import DocumentError


class Command(BaseCommand):
    help = "Een concept-meldcode (YAML) maken uit het eigen Word-, PDF- of tekstdocument van een school."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help=_("Het meldcodedocument (.txt, .docx of .pdf)."))
        parser.add_argument("--output", type=Path, help=_("Schrijf het concept naar dit bestand (anders naar stdout)."))
        parser.add_argument("--report", type=Path, help=_("Schrijf de voorstellen en bronnen als JSON naar dit bestand."))
        parser.add_argument("--without-legal", action="store_true",
                            help=_("Zonder de toevoegingen voor het wettelijk minimum (zoals het afwegingskader van 2019)."))

    def handle(self, *args, path, output, report, without_legal, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(_("Kan %(file)s niet lezen: %(error)s.") % {"file": path, "error": error.strerror}) from None
        try:
            conversion = convert(data, path.name)
        except DocumentError as error:
            raise CommandError(str(error)) from None
        proposals = [p for p in conversion.proposals if not (without_legal and p.kind == "legal")]
        draft = conversion.build(proposals)
        problems = validate(draft)
        if output:
            output.write_text(draft, encoding="utf-8")
        else:
            self.stdout.write(draft)
        if report:
            payload = conversion.as_report()
            payload["validator"] = problems
            payload["sociale_kaart"] = [org.to_json() for org in parse_organisations(conversion.document.text)]
            report.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        recognition = conversion.recognition
        say = self.stderr.write
        say(_("Sjabloon: %(title)s (zekerheid %(confidence).2f)%(variant)s; %(departures)s afwijkingen, %(rules)s "
              "voorgestelde regels, %(person)s punten voor een persoon.") % {
            "title": recognition.template.title, "confidence": recognition.confidence,
            "variant": f", {recognition.variant}" if recognition.variant else "",
            "departures": len(recognition.alignment.departures),
            "rules": sum(p.kind != "template" for p in proposals), "person": len(conversion.extraction.needs_person)})
        if problems:
            say(_("De validator keurt het concept af:"))
            for line in problems:
                say(f"  {line}")
            raise CommandError(_("Het concept is niet geldig; zie de meldingen hierboven."))
        say(self.style.SUCCESS(_("Het concept is geldig. Niets is vastgesteld: dat doet een persoon op de pagina Versies.")))
