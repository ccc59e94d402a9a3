"""What every journal entry form shares: the meldcode's own names in its texts (`WordedForm`), the split of what it
collects into encrypted narrative (`content()`) and the plain facts the protocol engine reads (`facts()`), and the
widgets the forms use."""

from django import forms
from django.forms.forms import DeclarativeFieldsMetaclass
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from protocol.wording import NATIONAL, words_for

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 4})


class _WordedMetaclass(DeclarativeFieldsMetaclass):
    """Once a form is fully built (also by a subclass's __init__), its texts are put in the meldcode's names."""

    def __call__(cls, *args, **kwargs):
        form = super().__call__(*args, **kwargs)
        form.words.apply_to_form(form)
        return form


class WordedForm(forms.Form, metaclass=_WordedMetaclass):
    """A form whose labels, buttons, choices and messages use the names of the case's (or school's) meldcode:
    "Veilig Thuis Utrecht" where the school's file names its report point so."""

    @property
    def words(self):
        if not hasattr(self, "_words"):
            source = next((getattr(self, name) for name in ("definition", "case", "school")
                           if getattr(self, name, None) is not None), None)
            self._words = words_for(source) if source is not None else NATIONAL
        return self._words

    def add_error(self, field, error):
        if isinstance(error, (str, Promise)):
            error = self.words.say(error)
        super().add_error(field, error)


class EntryForm(WordedForm):
    kind: str = ""
    # Fields that are neither content nor facts (handled by the view).
    meta_fields = ("occurred_at", "revision")
    fact_fields: tuple[str, ...] = ()

    occurred_at = forms.DateTimeField(label=_("Datum en tijd"), widget=DATETIME_WIDGET,
                                      help_text=_("Wanneer het gebeurde of plaatsvond (niet wanneer u het vastlegt)."))
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, case=None, user=None, definition=None, **kwargs):
        self.case, self.user, self.definition = case, user, definition
        super().__init__(*args, **kwargs)
        if not self.is_bound and "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError(_("Dit tijdstip ligt in de toekomst."))
        return value

    def party_choices(self, *, roles=True) -> list[tuple[str, str]]:
        """Format 2: the parties the meldcode names (and the school roles), for who-does-what fields."""
        definition = self.definition
        parties = [(p.key, p.name) for p in definition.parties] if definition is not None else []
        role_choices = [(value, label) for value, label in Role.choices] if roles else []
        return parties + role_choices

    @property
    def has_parties(self) -> bool:
        return self.definition is not None and bool(getattr(self.definition, "parties", ()))

    def content(self) -> dict:
        skip = set(self.meta_fields) | set(self.fact_fields)
        return {name: jsonable(value) for name, value in self.cleaned_data.items() if name not in skip}

    def facts(self) -> dict:
        return {name: jsonable(self.cleaned_data.get(name)) for name in self.fact_fields}


def jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
