from smtplib import SMTPException

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from core import idempotency


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_email(*, subject: str, text_body: str, html_body: str, to: list[str]) -> None:
    message = EmailMultiAlternatives(subject=subject, body=text_body, to=to)
    message.attach_alternative(html_body, "text/html")
    message.send()


@shared_task(name="core.tasks.idempotency_keys_purge")
def purge_idempotency_keys() -> int:
    return idempotency.idempotency_keys_purge()
