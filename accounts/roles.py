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


ROLE_IDS = frozenset(Role.values)
