"""Form rendering with the NL Design System (Utrecht) classes, used by templates/includes/form.html.

Each control gets its component class, aria-invalid and aria-describedby (hint and error), so that a
screen reader reads the hint and the error with the field; the error summary links to each field.
"""

from django import forms, template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def widget_class(widget, invalid: bool) -> str:
    if isinstance(widget, forms.CheckboxInput):
        names = ["utrecht-checkbox", "utrecht-checkbox--html-input", "utrecht-checkbox--custom"]
        base = "utrecht-checkbox"
    elif isinstance(widget, forms.Textarea):
        # Not the --html-textarea modifier: it marks a required field red (:invalid) before anything was sent.
        names, base = ["utrecht-textarea"], "utrecht-textarea"
    elif isinstance(widget, forms.Select) and not isinstance(widget, (forms.RadioSelect,
                                                                       forms.CheckboxSelectMultiple)):
        names, base = ["utrecht-select", "utrecht-select--html-select"], "utrecht-select"
    elif isinstance(widget, forms.FileInput):
        names, base = ["file-input"], ""
    else:
        names, base = ["utrecht-textbox", "utrecht-textbox--html-input"], "utrecht-textbox"
    if invalid and base:
        names.append(f"{base}--invalid")
    return " ".join(names)


def describing_ids(field) -> list[str]:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return ids


@register.simple_tag
def field_input(field, kind=""):
    """The field's control with its Utrecht class, aria-invalid and aria-describedby."""
    attrs = {}
    existing = field.field.widget.attrs.get("class", "")
    attrs["class"] = f"{widget_class(field.field.widget, bool(field.errors))} {existing}".strip()
    if ids := describing_ids(field):
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag
def choice_input(choice, input_type):
    """One radio button or checkbox of a choice group, custom-styled and large enough to tap."""
    data = dict(choice.data)
    attrs = dict(data.get("attrs") or {})
    if input_type == "radio":
        extra = "utrecht-radio-button utrecht-radio-button--html-input"
    else:
        extra = "utrecht-checkbox utrecht-checkbox--html-input utrecht-checkbox--custom"
    attrs["class"] = f"{extra} {attrs.get('class', '')}".strip()
    data["attrs"] = attrs
    data["wrap_label"] = False
    return choice.parent_widget._render(choice.template_name, {"widget": data}, choice.renderer)


@register.simple_tag
def described_by(field):
    """aria-describedby for a fieldset: its hint and its error."""
    ids = describing_ids(field)
    return format_html(' aria-describedby="{}"', " ".join(ids)) if ids else ""


@register.simple_tag
def optional_marker(field):
    """' (niet verplicht)' after the label of an optional field (GOV.UK: mark the optional ones, not the rest).
    A field that is required only with some answers (`required_when` set on the field) gets no marker: its hint says
    when it is needed."""
    if (field.field.required or isinstance(field.field.widget, forms.CheckboxInput)
            or getattr(field.field, "required_when", False)):
        return ""
    return format_html(' <span class="optional">{}</span>', _("(niet verplicht)"))


@register.simple_tag
def field_anchor(field):
    """The id the error summary links to: the control itself, or the first option of a choice group."""
    if field.is_hidden:
        return f"{field.form.prefix or 'form'}-errors"
    widget = field.field.widget
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return f"{field.auto_id}_0"
    return field.id_for_label
