"""What create_board and create_school share: the invitation of the first directie or functioneel beheerder."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts import setup


def add_invite_arguments(parser):
    parser.add_argument("--invite", metavar="E-MAILADRES",
                        help=_("Nodig deze persoon uit als eerste directie of functioneel beheerder; zij krijgt een "
                               "e-mail met een link om een wachtwoord te kiezen."))
    parser.add_argument("--role", choices=[str(role) for role in setup.FIRST_ROLES],
                        help=_("De rol van de uitgenodigde: directie of beheer (functioneel beheerder)."))
    parser.add_argument("--name", dest="invite_name", default="",
                        help=_("Naam van de uitgenodigde (nodig voor een nieuw account)."))
    parser.add_argument("--resend", action="store_true",
                        help=_("Stuur de uitnodiging opnieuw, ook als de rol er al is (bijv. als de link verlopen is)."))


def check_invite_arguments(options):
    if options["invite"] and not options["role"]:
        raise CommandError(_("Geef bij --invite ook --role directie of --role beheer."))
    if options["role"] and not options["invite"]:
        raise CommandError(_("--role hoort bij --invite E-MAILADRES."))


def invite(command, school, options):
    try:
        result = setup.invite(school, email=options["invite"], full_name=options["invite_name"], role=options["role"],
                              resend=options["resend"])
    except setup.SetupRefused as refusal:
        raise CommandError(str(refusal)) from None
    values = {"name": result.user.full_name or result.user.email, "email": result.user.email,
              "school": school.name, "role": options["role"]}
    if result.account_created:
        command.stdout.write(_("Account aangemaakt voor %(name)s <%(email)s>.") % values)
    if result.role_added:
        command.stdout.write(_("%(name)s heeft nu de rol %(role)s bij %(school)s.") % values)
    else:
        command.stdout.write(_("%(name)s had de rol %(role)s bij %(school)s al; niets gewijzigd.") % values)
    if result.sent:
        command.stdout.write(command.style.SUCCESS(_("Uitnodiging gemaild naar %(email)s.") % values))
    else:
        command.stdout.write(_("Geen nieuwe uitnodiging gestuurd (gebruik --resend om hem opnieuw te sturen).")
                             % values)
