"""The roles a staff member can hold at a school. Ids are stable: meldcode files refer to them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEERKRACHT = "leerkracht", _("Leerkracht")
    IB = "ib", _("Intern begeleider / aandachtsfunctionaris")
    DIRECTIE = "directie", _("Directie")
    BESTUUR = "bestuur", _("Bestuur")
    PRIVACY = "privacy", _("Functionaris gegevensbescherming")
    BEHEER = "beheer", _("Functioneel beheerder")
    # The meldcode's own name for who coordinates it at the school; often, not always, the IB. A school may give
    # it to the IB, to someone else or to several people; it carries the same dossier rights as the IB.
    AANDACHTSFUNCTIONARIS = "aandachtsfunctionaris", _("Aandachtsfunctionaris")
    # People who work with pupils and fall under the meldcode without being teachers: they record a signal and
    # see only what they wrote themselves (signals.views), never the dossier.
    ONDERWIJSASSISTENT = "onderwijsassistent", _("Onderwijsassistent")
    STAGIAIR = "stagiair", _("Stagiair")
    VRIJWILLIGER = "vrijwilliger", _("Vrijwilliger")


ROLE_IDS = frozenset(Role.values)
# The roles that coordinate the meldcode at a school and hold the IB's rights to its dossiers.
COORDINATOR_ROLES = (Role.IB, Role.AANDACHTSFUNCTIONARIS)
# The roles that may only record a signal and see what they wrote.
SIGNAL_ONLY_ROLES = (Role.ONDERWIJSASSISTENT, Role.STAGIAIR, Role.VRIJWILLIGER)
