from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Toont de huidige tweestapscode van een demo-account (alleen voor de demo)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, email, **options):
        from django.conf import settings

        if settings.PRODUCTION:
            raise CommandError("Niet beschikbaar in productie.")
        device = TOTPDevice.objects.filter(user__email=email.lower(), confirmed=True).first()
        if device is None:
            raise CommandError(f"Geen authenticator gevonden voor {email}.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
