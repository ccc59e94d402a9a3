"""Finding pupils of a school."""

import datetime
import re

from django.db.models import Q
from django.utils.translation import gettext as _

from schools.models import Pupil

PAGE_SIZE = 50
# Primary and special-needs schools: nobody on the roll is older than this. An older date is a typing error.
MAX_PUPIL_AGE_YEARS = 30


def birth_date_problem(value: datetime.date, today: datetime.date | None = None) -> str | None:
    """Why a date of birth cannot be a pupil's (in Dutch), or None when it can."""
    today = today or datetime.date.today()
    if value > today:
        return _("ligt in de toekomst.")
    if value.year < today.year - MAX_PUPIL_AGE_YEARS:
        return _("ligt meer dan %(years)s jaar terug; controleer het jaartal.") % {"years": MAX_PUPIL_AGE_YEARS}
    return None


def search_pupils(school, query: str = "", status: str = "active"):
    """Pupils of the school whose name contains every word of the query, or whose group is that word.

    "groep 5" and "5" both find group 5; "de vries" finds Sanne de Vries.
    """
    pupils = Pupil.objects.filter(school=school)
    if status in (Pupil.Status.ACTIVE, Pupil.Status.LEFT):
        pupils = pupils.filter(status=status)
    query = re.sub(r"\bgroep\b", " ", query.lower())
    for word in query.split():
        pupils = pupils.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                               | Q(group__iexact=word) | Q(student_number=word))
    return pupils.order_by("last_name", "first_name", "pk")
