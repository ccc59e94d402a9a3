import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.db.utils import InterfaceError, OperationalError

from audit.sequencer import UnchainableEvent, chain_pending


class Command(BaseCommand):
    help = ("Zet nieuwe auditgebeurtenissen in de hashketen. Zonder --interval één keer; met --interval blijft het "
            "draaien (naast de app-servers, zeker met AUDIT_CHAIN_MODE=worker).")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0, help="Seconden tussen twee rondes (0: één ronde).")

    def handle(self, *args, interval, **options):
        while True:
            try:
                chained = chain_pending()
                if chained and not interval:
                    self.stdout.write(f"{chained} gebeurtenissen in de keten gezet.")
            except UnchainableEvent as error:
                self.stderr.write(f"De keten staat stil bij gebeurtenis met id {error.event_id}: die is gewijzigd "
                                  "voordat hij in de keten kwam. Draai audit_verify.")
                if not interval:
                    raise SystemExit(1) from error
            except (OperationalError, InterfaceError) as error:
                # The database went away: drop the connection and try again next round.
                self.stderr.write(f"Database niet bereikbaar ({error.__class__.__name__}); volgende ronde opnieuw.")
                close_old_connections()
            if not interval:
                return
            time.sleep(interval)
