"""Transactional email: rendered from templates, sent by a Celery task once the transaction commits."""

import pytest
from django.conf import settings
from django.db import transaction

from accounts.tests.factories import UserFactory
from core.emails import send_templated_email
from core.tasks import send_email


@pytest.fixture
def user(db):
    return UserFactory(email="otieno@example.com", first_name="Otieno")


def send_password_changed(user):
    send_templated_email(to=user.email, template="password_changed", context={"user": user})


def test_nothing_is_sent_before_the_transaction_commits(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        send_password_changed(user)

    assert mailoutbox == []
    assert len(callbacks) == 1


def test_one_message_is_sent_when_the_transaction_commits(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_password_changed(user)

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["otieno@example.com"]


def test_nothing_is_sent_when_the_transaction_rolls_back(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        send_password_changed(user)
        raise RuntimeError("the change that the email announces is rolled back")

    assert mailoutbox == []


def test_subject_is_rendered_on_one_line_with_the_store_name(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_password_changed(user)

    assert mailoutbox[0].subject == "Your Duka password was changed"


def test_text_body_is_rendered_from_the_text_template(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_password_changed(user)

    body = mailoutbox[0].body
    assert body.startswith("Hello Otieno,")
    assert "otieno@example.com" in body
    assert "<" not in body


def test_message_carries_an_html_alternative(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_password_changed(user)

    [(html, mimetype)] = mailoutbox[0].alternatives
    assert mimetype == "text/html"
    assert html.lstrip().startswith("<!doctype html>")
    assert "Hello Otieno," in html
    assert "Duka" in html


def test_message_is_sent_from_the_configured_address(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_password_changed(user)

    assert mailoutbox[0].from_email == settings.DEFAULT_FROM_EMAIL


def test_text_body_is_not_html_escaped(db, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="obrien@example.com", first_name="Siobhán O'Brien & Co")

    with django_capture_on_commit_callbacks(execute=True):
        send_templated_email(to=user.email, template="password_changed", context={"user": user})

    assert mailoutbox[0].body.startswith("Hello Siobhán O'Brien & Co,")


def test_link_in_text_body_is_kept_as_is(user, mailoutbox, django_capture_on_commit_callbacks):
    link = "https://shop.example.com/verify?token=abc.def&next=/cart"

    with django_capture_on_commit_callbacks(execute=True):
        send_templated_email(
            to=user.email, template="verify_email", context={"user": user, "verify_url": link, "valid_days": 3}
        )

    assert link in mailoutbox[0].body


def test_html_body_escapes_what_users_typed(db, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="mallory@example.com", first_name="<script>alert(1)</script>")

    with django_capture_on_commit_callbacks(execute=True):
        send_templated_email(to=user.email, template="password_changed", context={"user": user})

    [(html, _)] = mailoutbox[0].alternatives
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_one_email_goes_to_every_recipient_given(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_templated_email(
            to=["otieno@example.com", "shop@example.com"], template="password_changed", context={"user": user}
        )

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["otieno@example.com", "shop@example.com"]


def test_send_email_task_delivers_a_message(mailoutbox):
    send_email.delay(
        subject="Your order is on its way",
        text_body="It left the shop at 9:15.",
        html_body="<p>It left the shop at 9:15.</p>",
        to=["achieng@example.com"],
    )

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == "Your order is on its way"
    assert message.body == "It left the shop at 9:15."
    assert message.alternatives[0][0] == "<p>It left the shop at 9:15.</p>"
    assert message.to == ["achieng@example.com"]
