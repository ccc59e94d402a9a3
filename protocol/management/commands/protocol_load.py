from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.log import record as audit_record
from protocol.definition import DefinitionError, load_definition
from protocol.models import MeldcodeVersion, VersionRefused, adopt, store_version
from schools.models import School


class Command(BaseCommand):
    help = "Laadt een meldcodebestand als versie voor een school en stelt het vast."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--school", required=True, metavar="SLUG", help="De school (slug) die de versie vaststelt.")
        parser.add_argument("--adopted-by", metavar="EMAIL", help="Wie de vaststelling vastlegt (e-mailadres).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: kan het bestand niet lezen ({error}).") from error
        school = School.objects.filter(slug=options["school"]).first()
        if school is None:
            raise CommandError(f"Onbekende school '{options['school']}'.")
        user = None
        if options.get("adopted_by"):
            user = get_user_model().objects.filter(email__iexact=options["adopted_by"]).first()
            if user is None:
                raise CommandError(f"Onbekende gebruiker '{options['adopted_by']}'.")
        try:
            definition = load_definition(source, str(path))
        except DefinitionError as error:
            for line in error.lines():
                self.stderr.write(line)
            raise CommandError("Het bestand is niet geldig; er is niets geladen.", returncode=1) from error
        with transaction.atomic():
            # Only versions this school may use count: another school's version of the same key stays its own.
            version = MeldcodeVersion.for_school(school).filter(key=definition.key, version=definition.version).first()
            try:
                if version is None:
                    version = store_version(source, filename=str(path), school=school, uploaded_by=user)
                    self.stdout.write(f"Versie {version.version} van '{version.key}' opgeslagen.")
                elif version.source != source:
                    raise CommandError(f"Versie {definition.version} van '{definition.key}' bestaat al met een andere "
                                       "inhoud. Verhoog 'version' in het bestand.")
                adoption = adopt(school, version, user)
            except VersionRefused as error:
                raise CommandError(str(error)) from error
            audit_record("meldcode.adopt", actor=user, school=school, object_repr=str(version),
                         reason="protocol_load",
                         details={"version_id": version.pk, "adoption_id": adoption.pk, "key": version.key,
                                  "version": version.version})
        self.stdout.write(f"{school.name} heeft '{version.title}' (versie {version.version}) vastgesteld.")
