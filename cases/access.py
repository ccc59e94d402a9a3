"""The one access rule for dossiers.

Every view, list, search, count, export, notification and background task that touches a case asks
this module. `Grants` is what a person holds (roles per school, case teams, break-glass); from it
`permissions()` decides for one case and `visible()` filters a queryset in the database, both from
the same table of rules below, so that a list can never show what the page would refuse.

Default policy (a school can only tighten it):
- leerkracht: only cases whose team they are on;
- intern begeleider and aandachtsfunctionaris (a role of its own, same rights): all of the school's cases (unless the school turned
  that off: then only their own, and others through break-glass with a typed reason);
- directie: the school's cases when the school allows it (default), else only their own;
- bestuur: aggregate figures only, unless added to a case;
- privacy officer: case metadata (never content) and the audit trail;
- functioneel beheerder: nothing; onderwijsassistent, stagiair, vrijwilliger: no dossier right at all; they
  record signals and read only what they wrote themselves, by the rule for signal-only members at the end of
  this module (`signal_school_or_404`, `own_signals`, `own_signal_or_404`, `signal_case`), which mysignals uses.
Staff-perpetrator cases: only directie and bestuur of the school and the people they add (not the
privacy officer either), and never the staff member concerned, whatever their role or team membership.
"""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Value
from django.http import Http404
from django.utils import timezone

from accounts.roles import COORDINATOR_ROLES, SIGNAL_ONLY_ROLES, Role
from cases.models import BreakGlass, Case, CaseMember, Entry, EntryKind, Route
from schools.access import school_for

META = "meta"  # knows the case exists: reference, dates, step, status
READ = "read"  # reads the dossier's content
WRITE = "write"  # adds journal entries
MANAGE = "manage"  # changes the team, coordinator and route
EXPORT = "export"  # produces documents from the dossier
BREAK_GLASS = "break_glass"  # may ask for access with a typed reason

# The roles that can be on a case team (the privacy officer and the functioneel beheerder never read content).
TEAM_ROLES = (Role.LEERKRACHT, Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE, Role.BESTUUR)

CONTENT = frozenset({META, READ, WRITE})
ALL = frozenset({META, READ, WRITE, MANAGE, EXPORT})


class Grants:
    """What a person holds. The roles per school come with the request's memberships (no query of their own);
    lists and searches filter by teams and break-glass grants in their own SQL (subqueries); the sets of case ids
    are loaded (together, in one query) only when `permissions` is asked about a case that `case_or_404` did not
    load for this person."""

    def __init__(self, user_id: int | None, schools_by_role: dict[str, frozenset[int]] | None = None,
                 team_cases: frozenset[int] | None = None, glass_cases: frozenset[int] | None = None):
        self.user_id = user_id
        self.schools_by_role = schools_by_role or {}
        self._team_cases = team_cases if team_cases is not None or user_id is not None else frozenset()
        self._glass_cases = glass_cases if glass_cases is not None or user_id is not None else frozenset()

    def at(self, role: str) -> frozenset[int]:
        return self.schools_by_role.get(role, frozenset())

    def team_schools(self) -> set[int]:
        return set().union(*(self.at(role) for role in TEAM_ROLES))

    def glass_schools(self) -> set[int]:
        return set().union(*(self.at(role) for role in (*COORDINATOR_ROLES, Role.DIRECTIE)))

    @property
    def team_cases(self) -> frozenset[int]:
        if self._team_cases is None:
            self._load_cases()
        return self._team_cases

    @property
    def glass_cases(self) -> frozenset[int]:
        if self._glass_cases is None:
            self._load_cases()
        return self._glass_cases

    def team_subquery(self):
        """The ids of the cases on whose team this person is, while they hold a team role at the case's school."""
        return CaseMember.objects.filter(user_id=self.user_id, case__school_id__in=self.team_schools()).values("case_id")

    def glass_subquery(self):
        """The ids of the cases with this person's break-glass still running, while IB or directie there."""
        return BreakGlass.objects.filter(user_id=self.user_id, until__gt=timezone.now(),
                                         case__school_id__in=self.glass_schools()).values("case_id")

    def _load_cases(self):
        # A place on a team or a break-glass only counts while the person still works at the case's school in a
        # role that may hold it: who leaves the school (or loses the role) loses the access with it.
        team_schools, glass_schools = self.team_schools(), self.glass_schools()
        team = self.team_subquery().annotate(source=Value("team")).values_list("source", "case_id")
        glass = self.glass_subquery().annotate(source=Value("glass")).values_list("source", "case_id")
        rows = []
        if team_schools and glass_schools:
            rows = list(team.union(glass, all=True))
        elif team_schools:
            rows = list(team)
        elif glass_schools:
            rows = list(glass)
        self._team_cases = frozenset(case_id for source, case_id in rows if source == "team")
        self._glass_cases = frozenset(case_id for source, case_id in rows if source == "glass")

    def signal_schools(self) -> frozenset[int]:
        """Schools where the person is a signal-only member (onderwijsassistent, stagiair, vrijwilliger)."""
        return frozenset().union(*(self.at(role) for role in SIGNAL_ONLY_ROLES))

    def coordinating(self) -> frozenset[int]:
        """Schools where the person is IB or aandachtsfunctionaris (the same rights)."""
        return frozenset().union(*(self.at(role) for role in COORDINATOR_ROLES))


def grants_for(user) -> Grants:
    """Everything a person holds; cached on the user object for the request."""
    if not user or not user.is_authenticated or not user.is_active:
        return Grants(user_id=None)
    cached = getattr(user, "_case_grants", None)
    if cached is not None:
        return cached
    by_role: dict[str, set[int]] = {}
    for membership in user.membership_list():
        by_role.setdefault(membership.role, set()).add(membership.school_id)
    grants = Grants(user_id=user.pk, schools_by_role={role: frozenset(ids) for role, ids in by_role.items()})
    user._case_grants = grants
    return grants


def forget_grants(user):
    """Call after changing a person's team, break-glass access or memberships within the same request."""
    user.__dict__.pop("_case_grants", None)
    if hasattr(user, "forget_memberships"):
        user.forget_memberships()


def permissions(user, case: Case) -> frozenset[str]:
    """What `user` may do with `case`. The heart of the rule."""
    grants = grants_for(user)
    if grants.user_id is None:
        return frozenset()
    school_id = case.school_id
    at = grants.at
    on_team = _holds(case, "_user_on_team", grants, grants.team_schools(), lambda: grants.team_cases)
    if case.route == Route.STAFF:
        if case.subject_staff_id == grants.user_id:
            return frozenset()
        if school_id in at(Role.DIRECTIE) or school_id in at(Role.BESTUUR):
            return ALL
        if on_team:
            return CONTENT | {EXPORT}
        # Not even the privacy officer learns from a list that a colleague is suspected; the audit trail
        # (their instrument) still shows who did what in such a case.
        return frozenset()
    ib = grants.coordinating()
    coordinating_role = school_id in ib or school_id in at(Role.DIRECTIE)
    if on_team and coordinating_role:
        return ALL
    if school_id in ib and case.school.ib_sees_all_cases:
        return ALL
    if school_id in at(Role.DIRECTIE) and case.school.directie_sees_all_cases:
        return ALL
    if on_team:
        return CONTENT | {EXPORT} if case.coordinator_id == grants.user_id else CONTENT
    if _holds(case, "_user_glass", grants, grants.glass_schools(), lambda: grants.glass_cases):
        # Reading and writing for a few hours, nothing more: no team changes (that would make the access
        # permanent) and no exports.
        return CONTENT
    rights = set()
    if school_id in at(Role.PRIVACY):
        rights.add(META)
    if school_id in ib or school_id in at(Role.DIRECTIE):
        rights.add(BREAK_GLASS)
    return frozenset(rights)


def _holds(case: Case, annotation: str, grants: Grants, schools: set[int], cases) -> bool:
    """Whether the person is on this case's team (or holds a break-glass for it): from the case's own
    annotation when `case_or_404` loaded it for these very grants (this person, and nothing forgotten since:
    `forget_grants` makes new ones), else from their grants (one query for all cases)."""
    answer = getattr(case, annotation, None)
    if answer is not None and getattr(case, "_annotated_for", None) is grants:
        return bool(answer) and case.school_id in schools
    return case.pk in cases()


def visible_q(user, need: str = READ) -> Q:
    """The same rule as `permissions`, as a database filter for lists, searches and counts."""
    grants = grants_for(user)
    if grants.user_id is None:
        return Q(pk__in=[])
    at = grants.at
    # Teams and break-glass as subqueries in the list's own SQL: no query of their own and no list of ids
    # (a coordinator is on every case of the school) to pass as parameters several times per page.
    team = Q(pk__in=grants.team_subquery())
    glass = Q(pk__in=grants.glass_subquery())
    staff_heads = Q(school_id__in=at(Role.DIRECTIE) | at(Role.BESTUUR))
    staff = Q(route=Route.STAFF) & ~Q(subject_staff_id=grants.user_id) & (staff_heads | team)
    regular = ~Q(route=Route.STAFF) & (
        team
        | glass
        | Q(school_id__in=grants.coordinating(), school__ib_sees_all_cases=True)
        | Q(school_id__in=at(Role.DIRECTIE), school__directie_sees_all_cases=True)
    )
    if need == META:
        privacy = Q(school_id__in=at(Role.PRIVACY)) & ~Q(route=Route.STAFF)
        return staff | regular | privacy
    if need in (READ, WRITE):
        return staff | regular
    # MANAGE and EXPORT depend on more than the filter can say cheaply (the coordinator on a team, say);
    # list by READ and ask permissions() per case instead of trusting a looser filter.
    raise ValueError(f"visible() filters by META, READ or WRITE, not {need!r}")


def visible(user, need: str = READ, queryset=None):
    # No DISTINCT: the rule joins only single-valued relations (the case's school) and reaches teams and
    # break-glass through subqueries, so no case can come twice; DISTINCT made PostgreSQL sort every list and count.
    queryset = Case.objects.all() if queryset is None else queryset
    return queryset.filter(visible_q(user, need))


def listed_with_readable(user, queryset=None):
    """The cases this person may know of (META), each annotated with `readable`: whether they may read its content
    (READ), by the same rule as `visible`, in the list's own query instead of a second one.

    META differs from READ only by the privacy officer's schools: someone without that role anywhere may read every
    case they may know of, and the list is spared the rule a second time."""
    listed = visible(user, META, queryset)
    if not grants_for(user).at(Role.PRIVACY):
        return listed.annotate(readable=Value(True, output_field=BooleanField()))
    return listed.annotate(readable=ExpressionWrapper(visible_q(user, READ), output_field=BooleanField()))


def case_or_404(user, reference: str, need: str = READ, *, allow_break_glass=False,
                annotations: dict | None = None) -> tuple[Case, frozenset[str]]:
    """The case if `user` may `need` it; otherwise a 404 that does not reveal whether it exists.

    With `allow_break_glass`, a coordinator who may only break the glass gets the case too, so that the
    page can offer that (with a typed reason) instead of a dead end. `annotations` are added to the case's own
    query (the case page asks there whether it has siblings and information requests, sparing a query each
    when it has none); they never take part in the access rule.
    """
    # The meldcode's YAML source (about 25 kB) stays in the database: the parsed definition is cached per process by
    # its checksum (MeldcodeVersion.definition), and only a process's first request for a version reads the source.
    cases = (Case.objects.select_related("school__board", "pupil", "meldcode_version", "coordinator")
             .defer("meldcode_version__source"))
    user_id = user.pk if user is not None and user.is_authenticated else None
    if user_id is not None:
        # Whether this person is on this case's team or holds a break-glass for it, in the same query.
        cases = cases.annotate(
            _user_on_team=Exists(CaseMember.objects.filter(case=OuterRef("pk"), user_id=user_id)),
            _user_glass=Exists(BreakGlass.objects.filter(case=OuterRef("pk"), user_id=user_id,
                                                         until__gt=timezone.now())))
    if annotations:
        cases = cases.annotate(**annotations)
    case = cases.filter(reference=reference).first()
    if case is None:
        raise Http404
    if user_id is not None:
        case._annotated_for = grants_for(user)
    rights = permissions(user, case)
    if need not in rights and not (allow_break_glass and BREAK_GLASS in rights):
        raise Http404
    return case, rights


# Signal-only members (onderwijsassistent, stagiair, vrijwilliger). They fall under the meldcode and record what they
# see, but hold no right to any dossier (permissions() gives their roles nothing, even on a team). What they may
# read is only the signals they wrote themselves at that school; what they may write is a signal about one of the
# school's pupils, which goes into that pupil's open (non-staff) dossier. Anything else is a 404.


def signal_school_or_404(user, slug: str):
    """The school with this slug when `user` is a signal-only member there; otherwise a 404."""
    return school_for(user, slug, *SIGNAL_ONLY_ROLES)


def own_signals(user, school):
    """The saved signals `user` wrote at `school` (never a destroyed dossier's), newest first."""
    if not user or not user.is_authenticated or school.pk not in grants_for(user).signal_schools():
        return Entry.objects.none()
    return (Entry.objects.filter(author=user, kind=EntryKind.SIGNAL, status=Entry.Status.SAVED, case__school=school)
            .exclude(case__status=Case.Status.DESTROYED).select_related("case__pupil").order_by("-occurred_at"))


def own_signal_or_404(user, school, entry_id) -> Entry:
    """One signal `user` wrote at `school`; anyone else's entry (or none) is a 404 that reveals nothing."""
    entry = own_signals(user, school).filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    return entry


def signal_case(user, school, pupil) -> Case | None:
    """The dossier a signal-only member's signal about `pupil` goes into: the pupil's open dossier at `school`,
    never a staff-route one (None: a new one is to be opened for the coordinator). Writing only; the member gets
    no right to read it."""
    if pupil.school_id != school.pk or school.pk not in grants_for(user).signal_schools():
        raise Http404
    return Case.objects.open().filter(school=school, pupil=pupil).exclude(route=Route.STAFF).first()
