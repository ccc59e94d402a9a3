"""Finding pupils of a school."""

import re

from django.db.models import Q

from schools.models import Pupil

PAGE_SIZE = 50


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
