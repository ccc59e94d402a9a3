"""The directie marks who is qualified to record a diagnosis (e.g. an orthopedagoog): only they see the
diagnosis field of the signal form (cases.forms.SignalForm). Nobody sets their own mark."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.models import User
from accounts.roles import Role
from audit.log import record as audit
from schools.access import school_for


@login_required
@never_cache
def diagnosis(request, school_slug):
    school = school_for(request.user, school_slug, Role.DIRECTIE)
    staff = User.objects.filter(memberships__school=school, is_active=True).distinct().order_by("full_name")
    if request.method == "POST":
        try:
            person = staff.get(pk=int(request.POST.get("user", "")))
        except (ValueError, User.DoesNotExist):
            raise Http404 from None
        if person.pk == request.user.pk:
            messages.error(request, _("U kunt uw eigen bevoegdheid niet wijzigen; vraag een ander lid van de directie."))
            return render(request, "qualifications/diagnosis.html", {"school": school, "staff": staff}, status=403)
        # The mark is the person's own, at every school they work at: the directie of one school alone may not
        # set or clear it for someone who also works where they are not directie.
        directing = {m.school_id for m in request.user.membership_list() if m.role == Role.DIRECTIE}
        if set(person.memberships.values_list("school_id", flat=True)) - directing:
            messages.error(request, _("%(name)s werkt ook op een andere school. Alleen iemand die op al die scholen "
                                      "directie is, kan deze bevoegdheid wijzigen.") % {"name": person.full_name})
            return render(request, "qualifications/diagnosis.html", {"school": school, "staff": staff}, status=403)
        if request.POST.get("qualified") not in ("0", "1"):
            messages.error(request, _("Kies of deze medewerker bevoegd is of niet."))
            return render(request, "qualifications/diagnosis.html", {"school": school, "staff": staff}, status=400)
        qualified = request.POST.get("qualified") == "1"
        with transaction.atomic():
            User.objects.filter(pk=person.pk).update(qualified_for_diagnosis=qualified)
            audit("staff.qualification_changed", request=request, school=school, object_repr=person.full_name,
                  details={"user": person.pk, "qualified": qualified})
        messages.success(request, _("De bevoegdheid van %(name)s is bijgewerkt.") % {"name": person.full_name})
        return redirect("qualifications:diagnosis", school_slug=school.slug)
    return render(request, "qualifications/diagnosis.html", {"school": school, "staff": staff})
