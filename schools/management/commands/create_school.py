from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import setup
from schools.management.commands._setup import add_invite_arguments, check_invite_arguments, invite
from schools.models import Board


class Command(BaseCommand):
    help = _("Maakt een school aan bij een bestaand schoolbestuur (bestaat zij al, dan verandert er niets). Met "
             "--invite krijgt de eerste directie of functioneel beheerder een uitnodiging per e-mail.")

    def add_arguments(self, parser):
        parser.add_argument("name", help=_("Naam van de school, bijv. \"O.B.S. De Wilg\"."))
        parser.add_argument("--board", required=True, help=_("Slug van het schoolbestuur (zie create_board)."))
        parser.add_argument("--brin", default="",
                            help=_("BRIN-nummer van de school, bijv. 12AB (nodig voor een nieuwe school)."))
        parser.add_argument("--slug", default="", help=_("Korte naam in adressen; standaard gemaakt van de naam."))
        parser.add_argument("--address", default="", help=_("Adres van de school."))
        parser.add_argument("--phone", default="", help=_("Telefoonnummer van de school."))
        add_invite_arguments(parser)

    def handle(self, *args, name, board, brin, slug, address, phone, **options):
        check_invite_arguments(options)
        board_obj = Board.objects.filter(slug=board).first()
        if board_obj is None:
            raise CommandError(_("Schoolbestuur '%(slug)s' bestaat niet. Maak het eerst aan met: "
                                 "manage.py create_board \"NAAM\" --slug %(slug)s") % {"slug": board})
        with transaction.atomic():
            try:
                school, created = setup.create_school(board_obj, name, brin=brin, slug=slug, address=address,
                                                      phone=phone)
            except setup.SetupRefused as refusal:
                raise CommandError(str(refusal)) from None
            values = {"name": school.name, "slug": school.slug, "brin": school.brin, "board": board_obj.name}
            if created:
                self.stdout.write(self.style.SUCCESS(
                    _("School %(name)s (%(slug)s, BRIN %(brin)s) aangemaakt bij %(board)s.") % values))
            else:
                self.stdout.write(_("School %(name)s (%(slug)s) bestaat al bij %(board)s; niets gewijzigd.") % values)
            if options["invite"]:
                invite(self, school, options)
