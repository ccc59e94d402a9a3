from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.models import User
from accounts.roles import Role
from audit.forms import ACTION_LABELS, USER_KEYS, AuditSearchForm, describe_details
from audit.log import record
from audit.models import AuditEvent
from audit.search import search_events
from audit.sequencer import UnchainableEvent, chain_pending
from audit.verify import verify_chain
from cases.models import Case
from schools.access import school_for

PAGE_SIZE = 50


@login_required
@never_cache
def search(request, school_slug):
    school = school_for(request.user, school_slug, Role.PRIVACY)
    form = AuditSearchForm(request.GET or None)
    filters = dict(form.cleaned_data) if form.is_valid() else {}
    reference = filters.pop("case", "")
    if reference:
        # By the reference people know; a case of another school, or none, finds nothing.
        filters["case_id"] = Case.objects.filter(school=school, reference=reference).values_list("pk", flat=True).first() or -1
    if form.is_bound and not form.is_valid():
        events = AuditEvent.objects.none()  # never show unfiltered results under a filter that was refused
    else:
        events = search_events(school, viewer=request.user,
                               **{key: value for key, value in filters.items() if value not in (None, "")})
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("pagina"))
    references = dict(Case.objects.filter(pk__in={e.case_id for e in page if e.case_id})
                      .values_list("pk", "reference"))
    # Staff ids in the details ("user": 17) are shown as names, in one query for the page.
    user_ids = {value for event in page for key, value in (event.details or {}).items()
                if key in USER_KEYS and isinstance(value, int) and not isinstance(value, bool)}
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "full_name")) if user_ids else {}
    for event in page:
        event.case_reference = references.get(event.case_id, "")
        event.action_label = ACTION_LABELS.get(event.action, event.action)
        event.actor_name = event.actor_label.split(" <")[0]
        event.detail_lines = describe_details(event.details, action=event.action, names=names)
    query = request.GET.copy()
    query.pop("pagina", None)
    response = render(request, "audit/search.html", {
        "school": school, "form": form, "page": page, "query": query.urlencode(),
    })
    # Looking into the trail is itself recorded (after rendering, so it does not show up in its own results).
    record("audit.search", request=request, school=school,
           details={key: str(value) for key, value in filters.items() if value not in (None, "")}
           | ({"case": reference} if reference else {}))
    return response


@login_required
@never_cache
def verify(request, school_slug):
    school = school_for(request.user, school_slug, Role.PRIVACY)
    try:
        chain_pending(wait=False)
    except UnchainableEvent:
        pass  # verify_chain names the changed event
    result = verify_chain()
    record("audit.verify", request=request, school=school,
           details={"ok": result.ok, "checked": result.checked, "first_bad_seq": result.first_bad_seq})
    return render(request, "audit/verify.html", {"school": school, "result": result})
