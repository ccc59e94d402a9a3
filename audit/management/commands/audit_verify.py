import sys
import time

from django.core.management.base import BaseCommand

from audit.anchor import read_anchor_file
from audit.sequencer import UnchainableEvent, chain_pending
from audit.verify import verify_chain


class Command(BaseCommand):
    help = ("Controleer of de audittrail volledig en ongewijzigd is: zet eerst wachtende gebeurtenissen in de keten, "
            "controleert dan de hashketen, de MAC van wat nog wacht, en de opgegeven ankers. "
            "Exitcode 0 = in orde, 1 = niet in orde.")

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database-alias (standaard: default).")
        parser.add_argument("--anchor", action="append", default=[], metavar="HASH",
                            help="Een eerder vastgelegde hash (audit_anchor) die nog in de keten moet staan. Herhaalbaar.")
        parser.add_argument("--anchor-file", help="Controleer elke hash in dit ankerbestand.")
        parser.add_argument("--max-unchained-seconds", type=float, default=None,
                            help="Hoe lang een gebeurtenis op de keten mag wachten (standaard AUDIT_MAX_UNCHAINED_SECONDS).")

    def handle(self, *args, database, anchor, anchor_file, max_unchained_seconds, **options):
        started = time.perf_counter()
        anchors = list(anchor)
        if anchor_file:
            anchors += read_anchor_file(anchor_file)
        try:
            chained = chain_pending(using=database)
        except UnchainableEvent:
            chained = 0  # verify_chain names the changed event below
        result = verify_chain(using=database, anchors=tuple(anchors), max_unchained_seconds=max_unchained_seconds)
        seconds = time.perf_counter() - started
        if chained:
            self.stdout.write(f"Eerst {chained} wachtende gebeurtenissen in de keten gezet.")
        if result.ok:
            self.stdout.write(self.style.SUCCESS(
                f"Audittrail in orde: {result.checked} gebeurtenissen gecontroleerd in {seconds:.1f} s."
            ))
            if result.unchained:
                self.stdout.write(f"Nog niet in de keten: {result.unchained} (oudste {result.oldest_unchained_seconds:.0f} s); "
                                  "hun MAC klopt.")
            if anchors:
                self.stdout.write(f"Ankers gevonden: {result.anchors_checked} van {len(set(anchors))}.")
            if result.head_seq:
                self.stdout.write(f"Laatste gebeurtenis: {result.head_seq}, hash {result.head_hash}")
            return
        where = f" bij gebeurtenis {result.first_bad_seq}" if result.first_bad_seq else ""
        self.stderr.write(self.style.ERROR(f"Audittrail NIET in orde{where}: {result.problem}"))
        self.stderr.write(f"{result.checked} gebeurtenissen daarvoor waren in orde.")
        sys.exit(1)
