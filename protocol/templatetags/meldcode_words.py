"""Template access to the school's own words (protocol.wording):

    {% load meldcode_words %}
    {% meldcode_words case as words %}      {{ words.report_point }} / {{ words.acute }}
    {% translate "Samenvatting voor Veilig Thuis" as label %}{{ label|say:case }}
"""

from django import template

from protocol.wording import words_for

register = template.Library()


@register.simple_tag
def meldcode_words(obj=None):
    """The words of a case's meldcode, a school's adopted meldcode, or a definition (national names for None)."""
    return words_for(obj or None)


@register.filter
def say(text, obj=None):
    """A product text in the names of the meldcode of `obj` (a case, school, definition or Words)."""
    return words_for(obj or None).say(text)


@register.simple_tag
def step_of_case(case):
    """The step of the case's meldcode the case is at now (None at a moment that is not a step, e.g. the
    decision), with the roles in words: for the step's own guidance, role rules and checklist on the case page."""
    from protocol.presentation import role_names

    definition = case.definition()
    try:
        step = definition.step(case.current_step)
    except KeyError:
        return None
    return {"step": step, "carried_out_by": role_names(step.carried_out_by), "involved": role_names(step.involved),
            "meldcode": definition.title}


@register.simple_tag
def board_of_case(case):
    """The board whose meldcode this case follows, or None (protocol.models.board_of_case)."""
    from protocol.models import board_of_case as lookup

    return lookup(case)
