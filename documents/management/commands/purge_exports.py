from django.core.management.base import BaseCommand

from documents.exports import purge_expired
from documents.models import ExportJob


class Command(BaseCommand):
    help = ("Verwijdert gemaakte exports die niet binnen 24 uur zijn gedownload en start exports opnieuw (of meldt "
            "ze als mislukt) waarvan de verwerker wegviel (draai elk uur, bijv. via cron).")

    def handle(self, *args, **options):
        # Also here, not only in the worker: when no worker runs, nothing else would notice.
        recovered = ExportJob.recover_stalled()
        self.stdout.write(f"Onderbroken exports: {recovered['retried']} opnieuw gestart, "
                          f"{recovered['failed']} als mislukt gemeld.")
        count = purge_expired()
        self.stdout.write(f"{count} verlopen export(s) verwijderd.")
