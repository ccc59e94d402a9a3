"""Stored meldcode versions and which version each school has adopted.

A case holds a foreign key to the MeldcodeVersion it started under, so an open case keeps its version
while a newly adopted version applies to new cases only.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from protocol.definition import SHIPPED_KEYS, DefinitionError, Meldcode, load_definition, shipped_path

DEFAULT_KEY = "landelijk-2019"


_PARSED: dict[str, Meldcode] = {}
_LEGAL: dict[str, tuple[str, ...]] = {}
_PARSED_MAX = 64


class VersionRefused(ValueError):
    """An upload that is valid as a file but cannot be stored; the message is for the person uploading."""


def definition_fields(path: str = "") -> tuple[str, ...]:
    """The fields `MeldcodeVersion.definition` needs once a process has parsed the version (its checksum, key and
    version), for `.only()` through a relation (`path`, e.g. "case__meldcode_version"): lists that word labels by
    a case's meldcode load these instead of the 25 kB source."""
    prefix = f"{path}__" if path else ""
    return tuple(f"{prefix}{name}" for name in ("key", "version", "sha256"))


class MeldcodeVersion(models.Model):
    """One version of one meldcode, stored as the YAML text it was validated from (never edited afterwards)."""

    key = models.SlugField(_("sleutel"), max_length=80)
    version = models.CharField(_("versie"), max_length=40)
    title = models.CharField(_("titel"), max_length=300)
    source = models.TextField(_("bronbestand (YAML)"))
    sha256 = models.CharField(max_length=64, editable=False)
    owner_school = models.ForeignKey("schools.School", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="meldcode_versions", verbose_name=_("school"))
    owner_board = models.ForeignKey("schools.Board", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="meldcode_versions", verbose_name=_("bestuur"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("geüpload door"))
    created_at = models.DateTimeField(_("toegevoegd op"), default=timezone.now)

    class Meta:
        verbose_name = _("meldcodeversie")
        verbose_name_plural = _("meldcodeversies")
        ordering = ["key", "-created_at"]
        # key + version is unique per owner: a school never learns which versions another school has.
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="unique_shipped_meldcode_key_version",
                                    condition=models.Q(owner_school__isnull=True, owner_board__isnull=True)),
            models.UniqueConstraint(fields=["owner_school", "key", "version"], name="unique_school_meldcode_version",
                                    condition=models.Q(owner_school__isnull=False)),
            models.UniqueConstraint(fields=["owner_board", "key", "version"], name="unique_board_meldcode_version",
                                    condition=models.Q(owner_board__isnull=False)),
        ]

    def __str__(self):
        return f"{self.title} ({self.version})"

    def save(self, *args, **kwargs):
        self.sha256 = hashlib.sha256(self.source.encode("utf-8")).hexdigest()
        super().save(*args, **kwargs)

    def definition(self) -> Meldcode:
        """The parsed meldcode. Parsing takes ~25 ms, so parsed definitions (immutable) are kept per process,
        keyed by the source's checksum: every case page needs one."""
        cached = _PARSED.get(self.sha256)
        if cached is None:
            # A stored version was valid when it was uploaded; checks of the legal minimum added later must not
            # break the cases that run under it (the engine applies the minimum itself, see legal_problems).
            cached = load_definition(self.source, f"{self.key}-{self.version}.yaml", legal_minimum=False)
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.pop(next(iter(_PARSED)))
            _PARSED[self.sha256] = cached
        return cached

    def legal_problems(self) -> tuple[str, ...]:
        """Where this version falls short of the legal minimum (empty for every version uploaded since)."""
        cached = _LEGAL.get(self.sha256)
        if cached is None:
            try:
                load_definition(self.source, f"{self.key}-{self.version}.yaml")
                cached = ()
            except DefinitionError as error:
                cached = tuple(error.lines())
            if len(_LEGAL) >= _PARSED_MAX:
                _LEGAL.pop(next(iter(_LEGAL)))
            _LEGAL[self.sha256] = cached
        return cached

    @property
    def is_shipped(self) -> bool:
        return self.owner_school_id is None and self.owner_board_id is None and self.key in SHIPPED_KEYS

    def usable_by(self, school) -> bool:
        """Shipped versions are for every school; a school's or board's own versions only for that school/board."""
        if self.owner_school_id is not None:
            return self.owner_school_id == school.pk
        if self.owner_board_id is not None:
            return self.owner_board_id == school.board_id
        return True

    @classmethod
    def for_school(cls, school):
        return cls.objects.filter(
            models.Q(owner_school__isnull=True, owner_board__isnull=True) | models.Q(owner_school=school)
            | models.Q(owner_board_id=school.board_id)
        ).select_related("uploaded_by")


class Adoption(models.Model):
    """A school adopted (vastgesteld) a meldcode version: who, when. The latest adoption counts."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="adoptions",
                               verbose_name=_("school"))
    version = models.ForeignKey(MeldcodeVersion, on_delete=models.PROTECT, related_name="adoptions",
                                verbose_name=_("versie"))
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("vastgesteld door"))
    adopted_at = models.DateTimeField(_("vastgesteld op"), default=timezone.now)

    class Meta:
        verbose_name = _("vaststelling")
        verbose_name_plural = _("vaststellingen")
        ordering = ["-adopted_at", "-pk"]
        get_latest_by = ["adopted_at", "pk"]

    def __str__(self):
        return f"{self.school} – {self.version}"


class BoardAdoption(models.Model):
    """A board (bevoegd gezag) adopted a meldcode version for all its schools, or for the schools listed.

    Each school keeps its own sociale kaart; a school may still adopt its own version afterwards, and then its
    own adoption counts (the most recent decision that covers the school counts, see current_adoption)."""

    board = models.ForeignKey("schools.Board", on_delete=models.CASCADE, related_name="adoptions",
                              verbose_name=_("bestuur"))
    version = models.ForeignKey(MeldcodeVersion, on_delete=models.PROTECT, related_name="board_adoptions",
                                verbose_name=_("versie"))
    all_schools = models.BooleanField(_("voor alle scholen van het bestuur"), default=True)
    schools = models.ManyToManyField("schools.School", blank=True, related_name="board_adoptions",
                                     verbose_name=_("scholen"))
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("vastgesteld door"))
    adopted_at = models.DateTimeField(_("vastgesteld op"), default=timezone.now)

    class Meta:
        verbose_name = _("vaststelling door het bestuur")
        verbose_name_plural = _("vaststellingen door het bestuur")
        ordering = ["-adopted_at", "-pk"]

    def __str__(self):
        return f"{self.board} – {self.version}"

    def covers(self, school) -> bool:
        return school.board_id == self.board_id and (self.all_schools or self.schools.filter(pk=school.pk).exists())


def board_adoption_for(school, at=None) -> BoardAdoption | None:
    """The latest adoption by the school's board that covers this school (made at or before `at`)."""
    if school.board_id is None:
        return None
    adoptions = (BoardAdoption.objects.filter(board_id=school.board_id)
                 .filter(models.Q(all_schools=True) | models.Q(schools=school)))
    if at is not None:
        adoptions = adoptions.filter(adopted_at__lte=at)
    return adoptions.select_related("version", "board").order_by("-adopted_at", "-pk").distinct().first()


# The answer for a case never changes (a later adoption is dated after the case was opened), so each process
# keeps it: the case page asks on every view.
_BOARD_OF_CASE: dict[tuple[str, int], object] = {}


def board_of_case(case):
    """The board whose meldcode the case follows (a board's own version, or the one the board adopted for the
    school when the case was opened), or None when it is the school's own."""
    version = case.meldcode_version
    if version.owner_board_id is not None:
        return version.owner_board
    key = (case.reference, version.pk)  # the reference is random: a reused pk (tests, restores) never hits
    if key not in _BOARD_OF_CASE:
        adoption = current_adoption(case.school, at=case.opened_at)
        if len(_BOARD_OF_CASE) > 10_000:
            _BOARD_OF_CASE.clear()
        _BOARD_OF_CASE[key] = (adoption.board if isinstance(adoption, BoardAdoption)
                               and adoption.version_id == version.pk else None)
    return _BOARD_OF_CASE[key]


def current_adoption(school, at=None) -> Adoption | BoardAdoption | None:
    """The decision that sets the school's meldcode (at a moment, default now): its own latest adoption or its
    board's, whichever is later (a school that adopts its own after the board did, keeps its own)."""
    own = Adoption.objects.filter(school=school).select_related("version")
    if at is not None:
        own = own.filter(adopted_at__lte=at)
    own = own.order_by("-adopted_at", "-pk").first()
    board = board_adoption_for(school, at)
    if own is None or (board is not None and board.adopted_at > own.adopted_at):
        return board or own
    return own


def current_version(school) -> MeldcodeVersion | None:
    """The version the school (or its board for it) adopted last, or None when none was adopted."""
    adoption = current_adoption(school)
    return adoption.version if adoption else None


def effective_version(school) -> MeldcodeVersion | None:
    """The version a new case of this school starts under: the adopted one, else the national model."""
    return current_version(school) or default_version()


def adopt_for_board(board, version: MeldcodeVersion, *, schools=None, by=None) -> BoardAdoption:
    """Record that `board` adopts `version` for all its schools (schools=None) or for the schools given."""
    if version.owner_school_id is not None or (version.owner_board_id not in (None, board.pk)):
        raise ValueError("This meldcode version belongs to another school or board.")
    if version.legal_problems():
        raise VersionRefused(_("Deze versie voldoet niet aan het wettelijk minimum en kan niet worden vastgesteld. "
                               "Upload een verbeterde versie."))
    schools = list(schools) if schools is not None else None
    if schools is not None and (not schools or any(s.board_id != board.pk for s in schools)):
        raise ValueError("Choose one or more schools of this board.")
    with transaction.atomic():
        adoption = BoardAdoption.objects.create(board=board, version=version, all_schools=schools is None,
                                                adopted_by=by)
        if schools:
            adoption.schools.set(schools)
    return adoption


def adopt(school, version: MeldcodeVersion, by=None) -> Adoption:
    """Record that `school` adopts `version` from now on; open cases keep the version they started under."""
    if not version.usable_by(school):
        raise ValueError("This meldcode version belongs to another school or board.")
    if version.legal_problems():
        raise VersionRefused(_("Deze versie voldoet niet aan het wettelijk minimum en kan niet worden vastgesteld. "
                               "Upload een verbeterde versie."))
    return Adoption.objects.create(school=school, version=version, adopted_by=by)


@transaction.atomic
def ensure_shipped_versions() -> list[MeldcodeVersion]:
    """Create (once) a version row for each shipped definition; a changed file becomes a new version only
    when its version string changes, so existing cases are never moved under their feet."""
    versions = []
    for key in SHIPPED_KEYS:
        source = shipped_path(key).read_text(encoding="utf-8")
        definition = load_definition(source, f"{key}.yaml")
        version, _created = MeldcodeVersion.objects.get_or_create(
            key=definition.key, version=definition.version, owner_school=None, owner_board=None,
            defaults={"title": definition.title, "source": source},
        )
        versions.append(version)
    return versions


def default_version() -> MeldcodeVersion:
    """The national model, the starting point for a school that has not adopted its own meldcode yet."""
    ensure_shipped_versions()
    return MeldcodeVersion.objects.filter(key=DEFAULT_KEY, owner_school__isnull=True,
                                          owner_board__isnull=True).order_by("-created_at").first()


def store_version(source: str, *, filename: str, school=None, board=None, uploaded_by=None) -> MeldcodeVersion:
    """Validate and store an uploaded meldcode. Raises DefinitionError, or VersionRefused (a shipped key, or a
    version the school or board already has)."""
    definition = load_definition(source, filename)
    if definition.key in SHIPPED_KEYS:
        # Only the product ships these keys; an upload under one would pass for the national model.
        raise VersionRefused(_("De sleutel '%(key)s' is van een meegeleverde meldcode. Geef uw eigen meldcode een "
                               "eigen 'key', bijvoorbeeld de naam van uw school (zoals de-vlinder).")
                             % {"key": definition.key})
    if _owned_versions(school, board).filter(key=definition.key, version=definition.version).exists():
        raise _exists(definition)
    try:
        with transaction.atomic():
            return MeldcodeVersion.objects.create(
                key=definition.key, version=definition.version, title=definition.title, source=source,
                owner_school=school, owner_board=board, uploaded_by=uploaded_by,
            )
    except IntegrityError as race:  # the same upload twice at once: the second one is a duplicate too
        raise _exists(definition) from race


def _owned_versions(school, board):
    """The versions an upload for this school or board may not repeat: only those it can see itself."""
    if school is not None:
        return MeldcodeVersion.objects.filter(models.Q(owner_school=school) | models.Q(owner_board_id=school.board_id))
    if board is not None:
        return MeldcodeVersion.objects.filter(models.Q(owner_board=board) | models.Q(owner_school__board=board))
    return MeldcodeVersion.objects.filter(owner_school__isnull=True, owner_board__isnull=True)


def _exists(definition: Meldcode) -> VersionRefused:
    return VersionRefused(_("Versie %(version)s van '%(key)s' bestaat al. Verhoog 'version' in het bestand.")
                          % {"key": definition.key, "version": definition.version})


from protocol.convert.drafts import ConversionDraft  # noqa: E402, F401 - the converter's drafts (issue 18)
