from django import template

register = template.Library()


@register.simple_tag
def may_take_inquiry(user, school) -> bool:
    """Whether `user` may record an information request for a pupil of `school` (see inquiries.views)."""
    from inquiries.views import OPENING_ROLES

    return bool(user.is_authenticated and user.roles_at(school) & set(OPENING_ROLES))
