from django.core.management.base import BaseCommand

from audit.anchor import take_anchor


class Command(BaseCommand):
    help = ("Leg de hash van de nieuwste auditgebeurtenis vast buiten de database: in het ankerbestand "
            "(AUDIT_ANCHOR_FILE) en per e-mail aan de functionarissen gegevensbescherming. Onderdeel van run_daily.")

    def add_arguments(self, parser):
        parser.add_argument("--file", help="Ander ankerbestand dan AUDIT_ANCHOR_FILE.")

    def handle(self, *args, file, **options):
        anchor = take_anchor(file)
        if anchor is None:
            self.stdout.write("De audittrail is nog leeg; er is niets vast te leggen.")
            return
        self.stdout.write(f"Anker vastgelegd: {anchor.line()}")
