from django.core.management.base import BaseCommand

from cases.management.commands.apply_retention import parse_day
from cases.notifications import send_due_reminders


class Command(BaseCommand):
    help = ("Herinnert medewerkers aan acties in open dossiers die vandaag of eerder af moesten zijn (één keer per "
            "actie). De e-mails worden verstuurd door de taakverwerker (manage.py run_worker). Dagelijks uitvoeren.")

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Doe alsof het deze datum is (JJJJ-MM-DD).")

    def handle(self, *args, today, **options):
        count = send_due_reminders(parse_day(today))
        self.stdout.write(f"Herinneringen klaargezet voor {count} acties.")
