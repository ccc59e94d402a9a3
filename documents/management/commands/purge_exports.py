from django.core.management.base import BaseCommand

from documents.exports import purge_expired


class Command(BaseCommand):
    help = "Verwijdert gemaakte exports die niet binnen 24 uur zijn gedownload (draai elk uur, bijv. via cron)."

    def handle(self, *args, **options):
        count = purge_expired()
        self.stdout.write(f"{count} verlopen export(s) verwijderd.")
