"""
Transactional email: rendered from a text and an HTML template, sent by a Celery task.

Rendering happens in the caller, so the worker needs no model instances; sending waits for the
surrounding transaction to commit, so no email announces a change that was rolled back.
"""

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string

from core.store import store_config
from core.tasks import send_email


def base_context() -> dict:
    store = store_config()
    return {
        "store_name": store.name,
        "store_contact_email": store.contact_email,
        "store_contact_phone": store.contact_phone,
        "public_base_url": settings.PUBLIC_BASE_URL,
    }


def render_plain_text(template_name: str, context: dict) -> str:
    """Render a text template without HTML escaping: `O'Brien & Co` must not arrive as `O&#x27;Brien &amp; Co`."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def send_templated_email(*, to: str | list[str], template: str, context: dict) -> None:
    """Send `emails/<template>_subject.txt`, `.txt` and `.html` rendered with `context`."""
    recipients = [to] if isinstance(to, str) else list(to)
    full_context = {**base_context(), **context}
    subject = " ".join(render_plain_text(f"emails/{template}_subject.txt", full_context).split())
    text_body = render_plain_text(f"emails/{template}.txt", full_context)
    html_body = render_to_string(f"emails/{template}.html", full_context)
    transaction.on_commit(
        lambda: send_email.delay(subject=subject, text_body=text_body, html_body=html_body, to=recipients)
    )
