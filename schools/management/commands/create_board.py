from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import setup
from schools.management.commands._setup import add_invite_arguments, check_invite_arguments, invite


class Command(BaseCommand):
    help = _("Maakt een schoolbestuur aan (bestaat het al, dan verandert er niets). Met --invite krijgt iemand de "
             "rol directie of functioneel beheerder op elke school van het bestuur en een uitnodiging per e-mail.")

    def add_arguments(self, parser):
        parser.add_argument("name", help=_("Naam van het schoolbestuur, bijv. \"Stichting Noorderlicht\"."))
        parser.add_argument("--slug", default="", help=_("Korte naam in adressen; standaard gemaakt van de naam."))
        add_invite_arguments(parser)

    def handle(self, *args, name, slug, **options):
        check_invite_arguments(options)
        with transaction.atomic():
            try:
                board, created = setup.create_board(name, slug=slug)
            except setup.SetupRefused as refusal:
                raise CommandError(str(refusal)) from None
            values = {"name": board.name, "slug": board.slug}
            schools = list(board.schools.all())
            if options["invite"] and not schools:
                raise CommandError(_("%(name)s heeft nog geen scholen en dus nog geen rollen; er is niets opgeslagen. "
                                     "Nodig de eerste directie of beheerder uit met: manage.py create_school ... "
                                     "--board %(slug)s --invite E-MAILADRES --role directie") % values)
            if created:
                self.stdout.write(self.style.SUCCESS(_("Schoolbestuur %(name)s aangemaakt (%(slug)s).") % values))
            else:
                self.stdout.write(_("Schoolbestuur %(name)s (%(slug)s) bestaat al; niets gewijzigd.") % values)
                if board.name != name.strip():
                    self.stdout.write(_("Let op: de naam is niet gewijzigd in \"%(new)s\".") % {"new": name.strip()})
            for school in schools if options["invite"] else ():
                invite(self, school, options)
