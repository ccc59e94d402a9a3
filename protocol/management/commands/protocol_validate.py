from django.core.management.base import BaseCommand, CommandError

from protocol.definition import validate_file


class Command(BaseCommand):
    help = "Controleert meldcodebestanden (YAML). Geeft per probleem 'bestand:regel: melding'."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="Een of meer meldcodebestanden.")

    def handle(self, *args, **options):
        problems = []
        for path in options["files"]:
            found = validate_file(path)
            problems.extend(found)
            if not found:
                self.stdout.write(f"{path}: geldig")
        for filename, line, message in problems:
            self.stderr.write(f"{filename}:{line}: {message}")
        if problems:
            raise CommandError(f"{len(problems)} probleem/problemen gevonden.", returncode=1)
