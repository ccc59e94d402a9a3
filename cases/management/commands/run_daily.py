from django.core.management.base import BaseCommand

from audit.anchor import take_anchor
from cases import retention
from cases.management.commands.apply_retention import parse_day, report
from cases.notifications import send_due_reminders
from core import idempotency
from documents.models import ExportJob


class Command(BaseCommand):
    help = ("Het dagelijkse onderhoud: bewaartermijnen (bijwerken, waarschuwen, vernietigen), herinneringen, het "
            "anker van de audittrail, vastgelopen exports en het opruimen van oude formuliersleutels. "
            "Plan dit één keer per dag, bijvoorbeeld met cron of een systemd-timer.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Alleen tonen wat de bewaartermijnen zouden doen; er gaan geen herinneringen uit.")
        parser.add_argument("--today", help="Doe alsof het deze datum is (JJJJ-MM-DD).")

    def handle(self, *args, dry_run, today, **options):
        day = parse_day(today)
        report(self.stdout, retention.run(day, dry_run=dry_run))
        if dry_run:
            self.stdout.write("Herinneringen: overgeslagen (proefdraai).")
            return
        count = send_due_reminders(day)
        self.stdout.write(f"Herinneringen klaargezet voor {count} acties.")
        anchor = take_anchor()
        if anchor is not None:
            self.stdout.write(f"Audittrail verankerd: {anchor.line()}")
        recovered = ExportJob.recover_stalled()
        self.stdout.write(f"Vastgelopen exports: {recovered['retried']} opnieuw gestart, {recovered['failed']} mislukt.")
        forgotten = idempotency.purge()
        self.stdout.write(f"Formuliersleutels ouder dan {idempotency.KEEP_FOR.days} dagen opgeruimd: {forgotten}.")
