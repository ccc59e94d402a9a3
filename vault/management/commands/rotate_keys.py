import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from vault import crypto
from vault.files import orphaned_blobs
from vault.rotation import rotate_all


class Command(BaseCommand):
    help = "Versleutel alle dossierinhoud en bestanden opnieuw met de nieuwste sleutel (de eerste in ENCRYPTION_KEYS)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Aantal waarden per transactie.")
        parser.add_argument("--dry-run", action="store_true", help="Alleen tellen wat opnieuw versleuteld moet worden.")
        parser.add_argument("--delete-orphans", action="store_true",
                            help="Verwijder versleutelde bestanden zonder record (achtergebleven na een afgebroken opslag).")

    def handle(self, *args, batch_size, dry_run, delete_orphans, **options):
        if batch_size < 1:
            raise CommandError("--batch-size moet minstens 1 zijn.")
        key_id = crypto.current_key_id()

        def progress(total, label):
            return tqdm(total=total, desc=label, unit="waarde", file=sys.stderr, leave=False,
                        disable=options.get("verbosity", 1) == 0)

        try:
            summary = rotate_all(batch_size=batch_size, dry_run=dry_run, progress=progress)
        except crypto.DecryptionError as error:
            raise CommandError(f"Opnieuw versleutelen gestopt: {error}") from error

        if dry_run:
            total = sum(summary["columns"].values())
            self.stdout.write(f"Proefdraai: {total} waarden/bestanden staan nog niet onder sleutel {key_id}.")
            for label, outdated in summary["columns"].items():
                if outdated:
                    self.stdout.write(f"  {label}: {outdated}")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Klaar: {summary['values']} waarden en {summary['files']} bestanden opnieuw versleuteld "
                f"met sleutel {key_id}."
            ))
            if summary["plain"]:
                self.stdout.write(self.style.WARNING(
                    f"{summary['plain']} waarden stonden nog onversleuteld in de database en zijn nu versleuteld."
                ))
            if summary["legacy"]:
                # After the migration that bound values to their rows, none should be left: more may mean
                # that someone put an old value back into the database.
                self.stdout.write(self.style.WARNING(
                    f"{summary['legacy']} waarden hadden nog het oude formaat (v1, niet aan hun rij gebonden) en "
                    "zijn nu aan hun rij gebonden. Na de migratie hoort dit 0 te zijn: controleer waar ze vandaan komen."
                ))
            self.stdout.write("Oude sleutels kunnen nu uit MELDCODE_ENCRYPTION_KEYS worden verwijderd.")

        orphans = orphaned_blobs()
        if orphans and delete_orphans and not dry_run:
            for path in orphans:
                path.unlink(missing_ok=True)
            self.stdout.write(f"{len(orphans)} achtergebleven bestanden zonder record verwijderd.")
        elif orphans:
            self.stdout.write(self.style.WARNING(
                f"{len(orphans)} versleutelde bestanden zonder record gevonden; verwijder ze met --delete-orphans."
            ))
