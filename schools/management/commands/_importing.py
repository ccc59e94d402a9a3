"""What the import_pupils and import_staff commands share: read, report, save unless --dry-run."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from schools.models import School


def tqdm_progress(description):
    def progress(rows, total):
        # Only worth a bar for files big enough to take a moment.
        return tqdm(rows, total=total, desc=str(description), unit=_(" rijen"), disable=total < 200, leave=False)

    return progress


class ImportCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("CSV-bestand (puntkomma of komma, UTF-8 of Windows-1252)."))
        parser.add_argument("--school", required=True, help=_("Slug van de school."))
        parser.add_argument("--dry-run", action="store_true", help=_("Alleen controleren, niets opslaan."))

    def parse(self, data, progress):
        raise NotImplementedError

    def save(self, school, parsed, progress):
        raise NotImplementedError

    def handle(self, *args, file, school, dry_run, **options):
        try:
            school_obj = School.objects.get(slug=school)
        except School.DoesNotExist:
            raise CommandError(_("School '%(slug)s' bestaat niet.") % {"slug": school}) from None
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(_("Kan %(file)s niet lezen: %(error)s.") % {"file": file, "error": error.strerror}) from None
        parsed = self.parse(data, tqdm_progress(_("Controleren")))
        if not parsed.is_valid:
            raise CommandError("\n".join([_("Er is niets opgeslagen."), *parsed.messages]))
        if parsed.ignored_columns:
            self.stdout.write(_("Genegeerde kolommen: %(columns)s") % {"columns": ", ".join(parsed.ignored_columns)})
        if dry_run:
            self.stdout.write(_("Geen fouten gevonden in %(count)s rijen; niets opgeslagen (--dry-run).")
                              % {"count": len(parsed.rows)})
            return
        summary = self.save(school_obj, parsed, tqdm_progress(_("Opslaan")))
        self.stdout.write(self.style.SUCCESS(
            _("%(school)s: %(created)s toegevoegd, %(updated)s bijgewerkt.")
            % {"school": school_obj.name, "created": summary.created, "updated": summary.updated}))
