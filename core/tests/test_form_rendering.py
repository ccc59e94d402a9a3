"""Every form renders the NL Design System / GOV.UK way (templates/includes/form.html, core.templatetags.forms)."""

from django import forms
from django.template.loader import render_to_string


class ExampleForm(forms.Form):
    place = forms.CharField(label="Plaats", help_text="Waar het gebeurde.")
    witnesses = forms.CharField(label="Overige aanwezigen", required=False)
    fact = forms.ChoiceField(label="Feit of hypothese?", widget=forms.RadioSelect,
                             choices=[("0", "Feit"), ("1", "Hypothese")])
    categories = forms.MultipleChoiceField(label="Categorieën", required=False,
                                           widget=forms.CheckboxSelectMultiple, choices=[("a", "A"), ("b", "B")])
    agreed = forms.BooleanField(label="Ik ben het eens", required=False)
    note = forms.CharField(label="Aantekening", widget=forms.Textarea)



def render(form):
    return render_to_string("includes/form.html", {"form": form})


def test_labels_end_without_a_colon_in_every_form():
    form = ExampleForm()
    assert form.label_suffix == ""
    assert form["place"].label_tag() == '<label for="id_place">Plaats</label>'
    assert "Plaats:" not in render(form)


def test_a_form_that_asks_for_its_own_label_suffix_keeps_it():
    assert ExampleForm(label_suffix=" ?").label_suffix == " ?"
    assert ExampleForm(None, None, "id_%s", None, None, forms.utils.ErrorList, " !").label_suffix == " !"


def test_optional_fields_say_niet_verplicht_and_required_ones_do_not():
    html = render(ExampleForm())
    assert 'Overige aanwezigen <span class="optional">(niet verplicht)</span>' in html
    assert 'Categorieën <span class="optional">(niet verplicht)</span>' in html
    assert "Plaats <span" not in html
    assert "Ik ben het eens <span" not in html  # a single checkbox is a choice, not an optional answer


def test_a_valid_form_shows_no_error_summary():
    assert "error-summary" not in render(ExampleForm())


def test_an_invalid_form_starts_with_a_focused_summary_linking_to_each_field():
    form = ExampleForm(data={"witnesses": "juf"})
    assert not form.is_valid()
    html = render(form)
    summary = html[html.index('class="error-summary"'):html.index("</div>", html.index('class="error-summary"'))]
    assert "autofocus" in summary and 'role="alert"' in summary
    assert 'href="#id_place">Plaats – Dit veld is verplicht.' in summary
    assert 'href="#id_fact_0">Feit of hypothese? – Dit veld is verplicht.' in summary  # first radio of the group
    assert 'href="#id_note">Aantekening – Dit veld is verplicht.' in summary
    assert "id_witnesses" not in summary
    assert html.index("error-summary") < html.index('id="id_place"')


def test_each_error_stands_beside_its_field_and_is_read_with_it():
    form = ExampleForm(data={})
    form.is_valid()
    html = render(form)
    assert 'id="id_place_error"' in html
    assert 'aria-describedby="id_place_helptext id_place_error"' in html
    assert 'aria-invalid="true"' in html
    assert "utrecht-textbox--invalid" in html and "utrecht-textarea--invalid" in html


def test_controls_carry_the_nl_design_system_classes():
    html = render(ExampleForm())
    assert 'class="utrecht-textbox utrecht-textbox--html-input"' in html
    assert "utrecht-radio-button utrecht-radio-button--html-input" in html
    assert "utrecht-checkbox utrecht-checkbox--html-input utrecht-checkbox--custom" in html
    assert 'class="utrecht-textarea"' in html
