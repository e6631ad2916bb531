from django import template

register = template.Library()


@register.filter
def axis_name(axis: str | None) -> str:
    """prompt_length -> prompt length."""
    return (axis or "").replace("_", " ")
