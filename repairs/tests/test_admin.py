"""
The repair desk in the admin: the technician's queue, the repair page whose buttons move a repair only
through the status machine, the inlines, and who may see what.
"""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import VariantFactory
from core.dates import store_today
from repairs.models import (
    PartState,
    QuoteLineKind,
    QuoteStatus,
    RepairNote,
    RepairPart,
    RepairQuote,
    RepairQuoteLine,
    RepairRequest,
    RepairStatus,
)
from repairs.services.lifecycle import allowed_moves
from repairs.tests.factories import repair_factory, technician_user

pytestmark = pytest.mark.django_db

S = RepairStatus
CHANGELIST = "/admin/repairs/repairrequest/"


@pytest.fixture
def other_tech(db):
    return technician_user(email="brian@example.com", first_name="Brian", last_name="Kiprop")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tech_browser(technician) -> Client:
    """A technician signed in to the admin: role technician, not a superuser."""
    assert not technician.is_superuser and technician.is_staff
    return signed_in(technician)


@pytest.fixture
def staff_browser(staff_user) -> Client:
    return signed_in(staff_user)


def change_url(repair: RepairRequest) -> str:
    return f"{CHANGELIST}{repair.pk}/change/"


def move(browser: Client, repair: RepairRequest, to: str, **form):
    return browser.post(f"{CHANGELIST}{repair.pk}/move/", {"to": to, **form})


def refreshed(repair: RepairRequest) -> RepairRequest:
    repair.refresh_from_db()
    return repair


def buttons(page_text: str) -> set[str]:
    return set(re.findall(r'name="to" value="([a-z_]+)"', page_text))


def listed(page_text: str, *repairs: RepairRequest) -> list[bool]:
    return [repair.tracking_code in page_text for repair in repairs]


def cell(html: str, field: str) -> str:
    """The text of the first table cell of column `field` in `html`."""
    return re.search(rf'<td class="field-{field}">\s*<p>(.*?)</p>', html).group(1)


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The queue ------------------------------------------------------------------------------------


def test_the_queue_shows_each_repair_with_its_device_customer_technician_and_amount_due(tech_browser, technician):
    repair = repair_factory(
        status=S.IN_REPAIR, brand="Tecno", model="Spark 20", contact_name="Akinyi Otieno",
        assigned_technician=technician, approved_total=Decimal("2500.00"), amount_paid=Decimal("1000.00"),
        promised_by=date(2099, 1, 31),
    )  # fmt: skip

    page = tech_browser.get(CHANGELIST)

    assert page.status_code == 200
    text = page.text
    assert repair.tracking_code in text
    assert re.search(r"Tecno Spark 20 <span[^>]*>phone</span>", text) and "Akinyi Otieno" in text
    assert "In repair" in text and "Cynthia Wanjiru" in text
    assert "31 Jan 2099" in text and "· overdue" not in text
    assert "KES 1,500.00" in text  # 2,500 approved less 1,000 paid


def test_the_queue_shows_how_long_each_repair_has_been_in_its_status(tech_browser):
    repair = repair_factory(status=S.DIAGNOSING)
    RepairRequest.objects.filter(pk=repair.pk).update(status_changed_at=timezone.now() - timedelta(days=3, hours=5))

    text = tech_browser.get(CHANGELIST).text

    assert "3\xa0days, 5\xa0hours" in text


def test_needs_attention_is_a_warning_when_set_and_a_quiet_dash_when_not(tech_browser):
    repair_factory(needs_attention=True, attention_reason="Customer called twice")
    repair_factory()

    text = tech_browser.get(CHANGELIST).text

    assert text.count("⚠ needs attention") == 1 and 'title="Customer called twice"' in text
    assert text.count('class="no-attention"') == 1
    assert "icon-no.svg" not in text  # not Django's red cross: "no problem" is not an alarm


def test_the_mine_filter_shows_the_signed_in_technicians_repairs_and_unassigned_the_rest(tech_browser, technician,
                                                                                         other_tech):  # fmt: skip
    mine = repair_factory(assigned_technician=technician)
    theirs = repair_factory(assigned_technician=other_tech)
    nobodys = repair_factory()

    everything = tech_browser.get(CHANGELIST).text
    only_mine = tech_browser.get(CHANGELIST, {"queue": "mine"}).text
    unassigned = tech_browser.get(CHANGELIST, {"queue": "unassigned"}).text

    assert listed(everything, mine, theirs, nobodys) == [True, True, True]
    assert listed(only_mine, mine, theirs, nobodys) == [True, False, False]
    assert listed(unassigned, mine, theirs, nobodys) == [False, False, True]


def test_the_overdue_filter_counts_the_stores_days_and_leaves_closed_repairs_out(tech_browser):
    # 22:30 UTC on 1 March is 01:30 on 2 March in Nairobi: a repair promised for 1 March is late there.
    with time_machine.travel(datetime(2026, 3, 1, 22, 30, tzinfo=UTC), tick=False):
        assert store_today() == date(2026, 3, 2)
        late = repair_factory(status=S.IN_REPAIR, promised_by=date(2026, 3, 1))
        due_today = repair_factory(status=S.DIAGNOSING, promised_by=date(2026, 3, 2))
        collected = repair_factory(status=S.COMPLETED, promised_by=date(2026, 2, 20))
        cancelled = repair_factory(status=S.CANCELLED, promised_by=date(2026, 2, 20))
        no_date = repair_factory(status=S.RECEIVED)

        overdue = tech_browser.get(CHANGELIST, {"promised": "overdue"}).text
        today = tech_browser.get(CHANGELIST, {"promised": "today"}).text
        everything = tech_browser.get(CHANGELIST).text

    assert listed(overdue, late, due_today, collected, cancelled, no_date) == [True, False, False, False, False]
    assert listed(today, late, due_today, collected, cancelled, no_date) == [False, True, False, False, False]
    assert everything.count("· overdue</strong>") == 1 and "1 Mar 2026 · overdue" in everything


def test_the_queue_filters_by_status_device_type_and_needs_attention(tech_browser):
    laptop = repair_factory(device_type="laptop", brand="HP", model="ProBook", status=S.AWAITING_PARTS)
    phone = repair_factory(needs_attention=True, attention_reason="Paid twice")

    by_status = tech_browser.get(CHANGELIST, {"status__exact": "awaiting_parts"}).text
    by_type = tech_browser.get(CHANGELIST, {"device_type__exact": "laptop"}).text
    flagged = tech_browser.get(CHANGELIST, {"needs_attention__exact": "1"}).text

    assert listed(by_status, laptop, phone) == [True, False]
    assert listed(by_type, laptop, phone) == [True, False]
    assert listed(flagged, laptop, phone) == [False, True]


@pytest.mark.parametrize(
    ("typed", "found"),
    [("0712 345 678", "akinyi"), ("+254712345678", "akinyi"), ("Akinyi", "akinyi"), ("490154203237518", "akinyi"),
     ("SN-LAPTOP-77", "juma")],
)  # fmt: skip
def test_the_desk_finds_a_repair_by_contact_phone_name_or_serial(tech_browser, typed, found):
    repairs = {
        "akinyi": repair_factory(contact_name="Akinyi Otieno", contact_phone="254712345678",
                                 serial_number="490154203237518"),
        "juma": repair_factory(contact_name="Juma Mwangi", contact_phone="254733000111", device_type="laptop",
                               serial_number="SN-LAPTOP-77"),
    }  # fmt: skip

    page = tech_browser.get(CHANGELIST, {"q": typed}).text

    assert [repairs[name].tracking_code in page for name in ("akinyi", "juma")] == [found == "akinyi", found == "juma"]


def test_the_desk_finds_a_repair_by_its_tracking_code_in_any_case(tech_browser):
    wanted, other = repair_factory(), repair_factory()

    page = tech_browser.get(CHANGELIST, {"q": wanted.tracking_code.lower()}).text

    assert listed(page, wanted, other) == [True, False]


def test_the_queue_costs_the_same_queries_for_two_repairs_as_for_twenty(tech_browser, technician,
                                                                        django_assert_max_num_queries):  # fmt: skip
    for _ in range(2):
        repair_factory(assigned_technician=technician_user(), promised_by=date(2026, 1, 1))
    tech_browser.get(CHANGELIST)  # warm the process-wide caches (content types, store settings) first
    with CaptureQueriesContext(connection) as two:
        assert tech_browser.get(CHANGELIST).status_code == 200
    for _ in range(18):
        repair_factory(assigned_technician=technician_user(), promised_by=date(2026, 1, 1), needs_attention=True)

    with django_assert_max_num_queries(len(two.captured_queries)):
        page = tech_browser.get(CHANGELIST)

    assert page.text.count('class="field-tracking_code"') == 20


# --- The repair page: status buttons -------------------------------------------------------------


@pytest.mark.parametrize("status", [S.RECEIVED, S.DIAGNOSING, S.IN_REPAIR, S.READY_FOR_PICKUP, S.AWAITING_PARTS])
def test_the_repair_page_offers_a_button_for_each_allowed_move_and_no_status_field(tech_browser, status):
    repair = repair_factory(status=status)

    text = tech_browser.get(change_url(repair)).text

    assert buttons(text) == set(allowed_moves(repair))
    assert '<select name="status"' not in text and 'name="status"' not in text


def test_a_closed_repair_says_it_can_move_no_further(tech_browser):
    repair = repair_factory(status=S.COMPLETED)

    text = tech_browser.get(change_url(repair)).text

    assert "cannot move any further" in text and buttons(text) == set()


def test_a_status_button_moves_the_repair_and_records_who_and_why(tech_browser, technician):
    repair = repair_factory(status=S.RECEIVED)

    response = move(tech_browser, repair, S.DIAGNOSING, note="Opened it up")

    assert response.status_code == 302 and response["Location"] == change_url(repair)
    assert flash(response) == [f"{repair.tracking_code} is now diagnosing."]
    assert refreshed(repair).status == S.DIAGNOSING
    last = repair.history.last()
    assert (last.from_status, last.status, last.note) == (S.RECEIVED, S.DIAGNOSING, "Opened it up")
    assert last.actor == technician
    page = tech_browser.get(change_url(repair)).text
    assert "Opened it up" in page and buttons(page) == set(allowed_moves(repair))


@pytest.mark.parametrize("forged", [S.COMPLETED, S.RECEIVED, S.READY_FOR_PICKUP, "exploded", ""])
def test_a_forged_move_the_table_refuses_changes_nothing_and_says_why(tech_browser, forged):
    repair = repair_factory(status=S.RECEIVED)
    before = repair.history.count()

    response = move(tech_browser, repair, forged)
    page = tech_browser.get(response["Location"]).text

    assert response.status_code == 302
    assert refreshed(repair).status == S.RECEIVED and repair.history.count() == before
    [message] = flash(response)
    assert "not moved" in message
    assert "not moved" in page


def test_completing_with_money_due_says_so(staff_browser):
    repair = repair_factory(status=S.READY_FOR_PICKUP, final_cost=Decimal("3000.00"), amount_paid=Decimal("500.00"))

    response = move(staff_browser, repair, S.COMPLETED)

    assert refreshed(repair).status == S.COMPLETED
    assert "KES 2,500.00 is still due" in flash(response)[0]


def test_cancelling_asks_first_and_cancels_only_on_yes(tech_browser, technician):
    repair = repair_factory(status=S.DIAGNOSING)

    asked = move(tech_browser, repair, S.CANCELLED, note="Customer changed their mind")

    assert asked.status_code == 200 and "cannot be undone" in asked.text
    assert 'value="Customer changed their mind"' in asked.text and 'name="confirm" value="yes"' in asked.text
    assert refreshed(repair).status == S.DIAGNOSING

    done = move(tech_browser, repair, S.CANCELLED, note="Customer changed their mind", confirm="yes")

    assert done.status_code == 302 and refreshed(repair).status == S.CANCELLED
    assert repair.history.last().note == "Customer changed their mind"


def test_a_move_is_a_post(tech_browser):
    repair = repair_factory()

    assert tech_browser.get(f"{CHANGELIST}{repair.pk}/move/").status_code == 405
    assert refreshed(repair).status == S.RECEIVED


# --- The repair page: the form and the inlines ---------------------------------------------------


def change_form(repair: RepairRequest, **fields) -> dict:
    """The repair form as the admin page posts it: the editable fields and the inlines' management forms."""
    form = {
        "assigned_technician": repair.assigned_technician_id or "",
        "promised_by": repair.promised_by.isoformat() if repair.promised_by else "",
        "diagnosis": repair.diagnosis, "condition_notes": repair.condition_notes, "accessories": repair.accessories,
        "attention_reason": repair.attention_reason, **({"needs_attention": "on"} if repair.needs_attention else {}),
    }  # fmt: skip
    for prefix in ("history", "notes", "quotes", "parts"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    form.update(fields)
    return form


def test_the_form_saves_the_desks_work_but_never_status_money_or_the_tracking_code(tech_browser, technician):
    repair = repair_factory(status=S.DIAGNOSING)
    code = repair.tracking_code

    response = tech_browser.post(
        change_url(repair),
        change_form(repair, assigned_technician=technician.pk, promised_by="2026-12-24", diagnosis="Charging port worn",
                    status="completed", tracking_code="RP-AAAA-AAAA", amount_paid="9999", approved_total="99999",
                    contact_phone="254700000000"),
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:3000]
    repair.refresh_from_db()
    assert (repair.assigned_technician, repair.promised_by, repair.diagnosis) == (
        technician, date(2026, 12, 24), "Charging port worn",
    )  # fmt: skip
    assert (repair.status, repair.tracking_code, repair.amount_paid, repair.approved_total) == (
        S.DIAGNOSING, code, Decimal("0.00"), None,
    )  # fmt: skip
    assert repair.contact_phone == "254712345678"


def test_only_people_who_work_the_desk_can_be_assigned(tech_browser, technician, customer):
    repair = repair_factory()

    page = tech_browser.get(change_url(repair)).text
    response = tech_browser.post(change_url(repair), change_form(repair, assigned_technician=customer.pk))

    assert f'value="{technician.pk}"' in page and customer.email not in page
    assert response.status_code == 200 and "Select a valid choice" in response.text
    assert refreshed(repair).assigned_technician is None


def test_a_note_added_on_the_page_is_signed_by_its_author_and_kept_as_written(tech_browser, technician):
    repair = repair_factory()

    response = tech_browser.post(
        change_url(repair),
        change_form(repair, **{"notes-TOTAL_FORMS": "1", "notes-0-body": "Screen ordered from Nairobi",
                               "notes-0-is_public": "on"}),
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:3000]
    [note] = repair.notes.all()
    assert (note.body, note.is_public, note.author) == ("Screen ordered from Nairobi", True, technician)


def test_existing_notes_are_shown_but_cannot_be_edited_or_deleted(tech_browser, technician):
    repair = repair_factory()
    RepairNote.objects.create(repair=repair, author=technician, body="Water damage under the battery", is_public=False)

    text = tech_browser.get(change_url(repair)).text

    assert "Water damage under the battery" in text
    assert "Water damage under the battery</textarea>" not in text  # shown as text, not in an input
    assert 'name="notes-0-DELETE"' not in text
    assert 'name="notes-1-body"' in text  # one empty row to add a note


def test_the_repair_page_shows_the_history_quotes_and_parts_with_their_stock(tech_browser, technician):
    repair = repair_factory(status=S.IN_REPAIR)
    screen = VariantFactory(sku="SCR-A14", stock_quantity=7, reserved_quantity=3)
    quote = RepairQuote.objects.create(repair=repair, version=1, status=QuoteStatus.APPROVED, total=Decimal("4500"),
                                       sent_at=timezone.now())  # fmt: skip
    RepairQuoteLine.objects.create(quote=quote, kind=QuoteLineKind.PART, description="Screen", variant=screen,
                                   quantity=1, unit_price=Decimal("3500"), line_total=Decimal("3500"))  # fmt: skip
    RepairQuoteLine.objects.create(quote=quote, kind=QuoteLineKind.LABOUR, description="Fitting", quantity=1,
                                   unit_price=Decimal("1000"), line_total=Decimal("1000"))  # fmt: skip
    RepairPart.objects.create(repair=repair, quote=quote, variant=screen, quantity=1, state=PartState.RESERVED)

    text = tech_browser.get(change_url(repair)).text

    assert "status history" in text.lower()
    assert "KES 4,500.00" in text and "KES 3,500.00" in text and "Fitting" in text
    parts = text[text.index('id="parts-group"') :]
    assert "SCR-A14" in parts
    assert cell(parts, "on_hand") == "7" and cell(parts, "reserved") == "3" and cell(parts, "available") == "4"
    assert 'name="quotes-0-status"' not in text  # versions are records, not fields


def test_the_repair_page_links_to_its_job_card(tech_browser):
    repair = repair_factory()

    text = tech_browser.get(change_url(repair)).text

    assert f"{CHANGELIST}{repair.pk}/job-card/" in text


def test_repairs_are_never_deleted_in_the_admin(staff_browser):
    repair = repair_factory()

    assert staff_browser.get(f"{CHANGELIST}{repair.pk}/delete/").status_code == 403
    assert 'value="delete_selected"' not in staff_browser.get(CHANGELIST).text
    assert RepairRequest.objects.filter(pk=repair.pk).exists()


def test_the_final_cost_is_saved_within_the_approved_quote(tech_browser):
    repair = repair_factory(status=S.IN_REPAIR, approved_total=Decimal("4500.00"))

    response = tech_browser.post(change_url(repair), change_form(repair, final_cost="4000.00"))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert refreshed(repair).final_cost == Decimal("4000.00") and repair.amount_due == Decimal("4000.00")


def test_a_final_cost_above_the_approved_quote_is_refused_on_the_form(tech_browser):
    repair = repair_factory(status=S.IN_REPAIR, approved_total=Decimal("4500.00"))

    response = tech_browser.post(change_url(repair), change_form(repair, final_cost="5000.00", diagnosis="More"))

    assert response.status_code == 200
    assert "above the approved quote" in response.text
    assert (refreshed(repair).final_cost, repair.diagnosis) == (None, "")


def test_a_service_refusal_after_the_forms_checks_saves_nothing_and_says_why(tech_browser, monkeypatch):
    from repairs.exceptions import QuoteExceeded
    from repairs.services import quotes

    repair = repair_factory(status=S.IN_REPAIR, approved_total=Decimal("4500.00"))
    checks = iter([None])  # the form's check passes; the service's, under the lock, refuses

    def check(repair, amount):
        if next(checks, "refuse") == "refuse":
            raise QuoteExceeded("Another desk lowered the approved quote meanwhile.")

    monkeypatch.setattr(quotes, "final_cost_check", check)

    response = tech_browser.post(change_url(repair), change_form(repair, final_cost="4000.00", diagnosis="Board"))

    assert response.status_code == 302 and response["Location"] == change_url(repair)
    assert flash(response) == ["Nothing was saved: Another desk lowered the approved quote meanwhile."]
    assert (refreshed(repair).final_cost, repair.diagnosis) == (None, "")


# --- Intake at the counter -----------------------------------------------------------------------


def intake_form(**fields) -> dict:
    form = {
        "device_type": "phone", "brand": "Samsung", "model": "Galaxy A14", "serial_number": "490154203237518",
        "issue_description": "Cracked screen", "condition_notes": "Dent on the corner", "accessories": "Case",
        "unlocks_at_counter": "on", "contact_name": "Akinyi Otieno", "contact_phone": "0712 345 678",
        "contact_email": "akinyi@example.com", "assigned_technician": "", "promised_by": "",
    }  # fmt: skip
    form.update(fields)
    return {name: value for name, value in form.items() if value is not None}


def test_staff_take_a_device_in_at_the_counter_and_are_sent_to_print_its_job_card(
    staff_browser, staff_user, technician, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_browser.post(f"{CHANGELIST}add/", intake_form(assigned_technician=technician.pk,
                                                                        promised_by="2026-12-24"))  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:3000]
    repair = RepairRequest.objects.get()
    assert response["Location"] == change_url(repair)
    assert re.fullmatch(r"RP-[2-9A-Z]{4}-[2-9A-Z]{4}", repair.tracking_code)
    assert (repair.status, repair.contact_phone, repair.serial_number) == (
        S.RECEIVED,
        "254712345678",
        "490154203237518",
    )
    assert (repair.assigned_technician, repair.promised_by) == (technician, date(2026, 12, 24))
    assert repair.user is None  # a walk-in customer's ticket, not the clerk's
    assert repair.history.first().actor == staff_user
    assert any(repair.tracking_code in mail.body for mail in mailoutbox)
    assert any("job-card" in message for message in flash(response))


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [("serial_number", "490154203237519", "not valid"), ("contact_phone", "12", "phone"),
     ("contact_email", "not-an-email", "email")],
)  # fmt: skip
def test_intake_refuses_what_the_api_refuses(staff_browser, field, value, said):
    response = staff_browser.post(f"{CHANGELIST}add/", intake_form(**{field: value}))

    assert response.status_code == 200
    assert said in response.text.lower()
    assert not RepairRequest.objects.exists()


def test_the_intake_form_has_no_passcode_field_and_says_so(staff_browser):
    text = staff_browser.get(f"{CHANGELIST}add/").text

    assert "Never write down a passcode" in text
    assert not re.search(r'name="[^"]*(pass|pin)[^"]*"', text.replace('name="csrfmiddlewaretoken"', ""))


def test_technicians_do_not_take_devices_in(tech_browser):
    assert tech_browser.get(f"{CHANGELIST}add/").status_code == 403


# --- Who sees what -------------------------------------------------------------------------------


def test_a_technician_sees_the_repair_desk_and_nothing_of_orders_payments_or_customers(tech_browser):
    index = tech_browser.get("/admin/").text

    assert "/admin/repairs/repairrequest/" in index
    for hidden in ("/admin/orders/", "/admin/payments/", "/admin/accounts/", "/admin/cart/", "/admin/catalog/"):
        assert hidden not in index, hidden
    for url in ("/admin/orders/order/", "/admin/payments/payment/", "/admin/accounts/user/",
                "/admin/accounts/address/", "/admin/orders/orderrefund/", "/admin/cart/cart/"):  # fmt: skip
        assert tech_browser.get(url).status_code == 403, url


def test_a_technician_cannot_move_a_repair_without_the_change_permission(technician):
    from django.contrib.auth.models import Permission

    technician.groups.first().permissions.remove(Permission.objects.get(codename="change_repairrequest"))
    browser = signed_in(UserFactory._meta.model.objects.get(pk=technician.pk))  # permissions are cached per instance
    repair = repair_factory()

    page = browser.get(change_url(repair)).text
    response = move(browser, repair, S.DIAGNOSING)

    assert "you may view this repair, not move it" in page
    assert response.status_code == 403 and refreshed(repair).status == S.RECEIVED


@pytest.mark.parametrize("role", ["customer", "anonymous"])
def test_customers_and_strangers_are_sent_to_the_admin_login(role, customer):
    browser = signed_in(customer) if role == "customer" else Client()
    repair = repair_factory()

    for url in (CHANGELIST, change_url(repair), f"{CHANGELIST}{repair.pk}/job-card/"):
        response = browser.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    response = move(browser, repair, S.CANCELLED, confirm="yes")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert refreshed(repair).status == S.RECEIVED


# --- The job card --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["technician", "staff", "admin"])
def test_the_job_card_prints_what_was_handed_in_and_how_to_follow_it(who, technician, staff_user, admin_user, settings):
    settings.REPAIR_TRACKING_URL = "https://duka.example.com/track/{code}"
    user = {"technician": technician, "staff": staff_user, "admin": admin_user}[who]
    repair = repair_factory(
        brand="Samsung", model="Galaxy A14", serial_number="490154203237518", issue_description="Cracked screen",
        condition_notes="Dent on the corner", accessories="Charger, case", unlocks_at_counter=True,
        promised_by=date(2026, 12, 24), contact_name="Akinyi Otieno", contact_phone="254712345678",
    )  # fmt: skip

    page = signed_in(user).get(f"{CHANGELIST}{repair.pk}/job-card/")

    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    text = page.text
    assert f'<p class="code" id="tracking-code">{repair.tracking_code}</p>' in text
    assert f"https://duka.example.com/track/{repair.tracking_code}" in text
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="qr">', text)
    for shown in ("Samsung Galaxy A14", "490154203237518", "Cracked screen", "Dent on the corner", "Charger, case",
                  "Thursday 24 December 2026", "Akinyi Otieno", "254712345678", "Customer, at collection"):  # fmt: skip
        assert shown in text, shown
    assert "unlocks the device at the counter" in text and "No passcode is asked for or kept" in text
    assert "@media print" in text


def test_the_job_card_names_the_store_and_its_contacts(tech_browser):
    from core.store import store_config_forget, store_settings_record

    record = store_settings_record()
    record.name, record.contact_phone, record.contact_email = "Duka Repairs", "254700123456", "repairs@duka.example"
    record.save()
    store_config_forget()
    repair = repair_factory()

    text = tech_browser.get(f"{CHANGELIST}{repair.pk}/job-card/").text

    assert "Duka Repairs" in text and "254700123456" in text and "repairs@duka.example" in text


def test_the_job_card_of_an_unknown_repair_is_a_404(tech_browser):
    assert tech_browser.get(f"{CHANGELIST}999999/job-card/").status_code == 404


def test_the_tracking_qr_code_is_a_full_qr_code_of_the_tracking_url(settings):
    import segno

    from repairs.links import tracking_qr_svg

    settings.REPAIR_TRACKING_URL = "https://duka.example.com/track/{code}"

    svg = tracking_qr_svg(repair_factory(tracking_code="RP-7F3K-9Q2M"))

    assert svg.startswith("<svg") and "<script" not in svg and "RP-7F3K-9Q2M" in svg
    expected = segno.make_qr("https://duka.example.com/track/RP-7F3K-9Q2M", error="m")
    assert not expected.is_micro
    title = "Tracking QR code for RP-7F3K-9Q2M"
    assert expected.svg_inline(scale=4, border=4, omitsize=True, svgclass="qr", title=title) == svg


def test_the_job_card_links_to_the_public_tracking_api_unless_a_storefront_page_is_set(tech_browser):
    from django.conf import settings

    repair = repair_factory(tracking_code="RP-7F3K-9Q2M")

    text = tech_browser.get(f"{CHANGELIST}{repair.pk}/job-card/").text

    assert f"{settings.PUBLIC_BASE_URL}/api/v1/repairs/track/RP-7F3K-9Q2M" in text


# --- The draft quote panel -----------------------------------------------------------------------


def quote_form(*lines: dict, note: str = "") -> dict:
    """The draft quote panel as the page posts it: the line formset (blank rows included) and the note."""
    rows = [*lines, {}, {}]
    form = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0", "note": note}
    for index, row in enumerate(rows):
        filled = {"kind": "labour", "description": "", "sku": "", "quantity": "1", "unit_price": "", **row}
        form.update({f"lines-{index}-{name}": value for name, value in filled.items()})
    return form


def save_quote(browser: Client, repair: RepairRequest, *lines: dict, note: str = ""):
    return browser.post(f"{CHANGELIST}{repair.pk}/quote/", quote_form(*lines, note=note))


@pytest.fixture
def screen(db):
    return VariantFactory(sku="SCR-A14", price=Decimal("3500.00"), stock_quantity=5, reorder_point=0)


def test_the_draft_quote_is_saved_through_the_quote_service_with_parts_found_by_sku(tech_browser, screen):
    repair = repair_factory(status=S.DIAGNOSING)

    response = save_quote(
        tech_browser, repair,
        {"kind": "part", "sku": "scr-a14"},
        {"kind": "labour", "description": "Fitting the screen", "unit_price": "1000"},
        note="Screen and fitting",
    )  # fmt: skip

    assert response.status_code == 302 and response["Location"] == change_url(repair)
    assert flash(response) == ["Draft quote v1 saved: KES 4,500.00."]
    [draft] = repair.quotes.all()
    assert (draft.status, draft.version, draft.total) == ("draft", 1, Decimal("4500.00"))
    assert draft.note == "Screen and fitting"
    assert [(line.kind, line.variant_id, line.unit_price) for line in draft.lines.all()] == [
        ("part", screen.pk, Decimal("3500.00")), ("labour", None, Decimal("1000.00")),
    ]  # fmt: skip
    assert refreshed(repair).status == S.DIAGNOSING  # a draft is not sent


def test_the_quote_panel_shows_the_draft_to_carry_on_editing(tech_browser, screen):
    repair = repair_factory(status=S.DIAGNOSING)
    save_quote(tech_browser, repair, {"kind": "part", "sku": "SCR-A14", "quantity": "2"})

    text = tech_browser.get(change_url(repair)).text

    assert 'name="lines-0-sku" value="SCR-A14"' in text and 'name="lines-0-quantity" value="2"' in text
    assert "Draft quote (version 1)" in text and "Draft total: KES 7,000.00." in text
    assert "Send quote" in text


def test_an_unknown_sku_saves_nothing_and_names_the_sku(tech_browser):
    repair = repair_factory(status=S.DIAGNOSING)

    response = save_quote(tech_browser, repair, {"kind": "part", "sku": "NOPE-1"})

    assert flash(response) == ["Quote not saved: No catalog variant has the SKU NOPE-1."]
    assert not repair.quotes.exists()


def test_the_quote_services_refusal_is_the_message(tech_browser):
    repair = repair_factory(status=S.DIAGNOSING)

    response = save_quote(tech_browser, repair, {"kind": "labour", "description": "Cleaning"})

    assert flash(response) == ["Quote not saved: Labour needs a price."]
    assert not repair.quotes.exists()


def test_sending_the_quote_moves_the_repair_to_awaiting_approval_and_freezes_it(
    tech_browser, technician, screen, mailoutbox, django_capture_on_commit_callbacks
):
    repair = repair_factory(status=S.DIAGNOSING)
    save_quote(tech_browser, repair, {"kind": "part", "sku": "SCR-A14"})

    with django_capture_on_commit_callbacks(execute=True):
        response = tech_browser.post(f"{CHANGELIST}{repair.pk}/quote/send/")

    assert flash(response)[-1] == f"Quote sent to akinyi@example.com; {repair.tracking_code} is now awaiting approval."
    assert refreshed(repair).status == S.AWAITING_APPROVAL
    [quote] = repair.quotes.all()
    assert quote.status == QuoteStatus.SENT and quote.sent_at is not None
    assert repair.history.last().actor == technician
    assert any(repair.tracking_code in mail.body for mail in mailoutbox)
    page = tech_browser.get(change_url(repair)).text
    assert "Send quote" not in page and "KES 3,500.00" in page


def test_sending_without_a_draft_is_refused_with_a_message(tech_browser):
    repair = repair_factory(status=S.DIAGNOSING)

    response = tech_browser.post(f"{CHANGELIST}{repair.pk}/quote/send/")

    assert "Quote not sent: An empty quote cannot be sent" in flash(response)[0]
    assert refreshed(repair).status == S.DIAGNOSING


def test_a_closed_repair_has_no_quote_panel(tech_browser):
    repair = repair_factory(status=S.CANCELLED)

    text = tech_browser.get(change_url(repair)).text

    assert "repair-quote-draft" not in text
    response = save_quote(tech_browser, repair, {"kind": "labour", "description": "x", "unit_price": "1"})
    assert "Quote not saved" in flash(response)[0] and not repair.quotes.exists()


# --- Answers at the counter and warranty claims --------------------------------------------------


@pytest.fixture
def waiting(tech_browser, screen):
    """A repair whose quote (one screen, 3,500) was sent and waits for the customer's answer."""
    repair = repair_factory(status=S.DIAGNOSING)
    save_quote(tech_browser, repair, {"kind": "part", "sku": "SCR-A14"})
    tech_browser.post(f"{CHANGELIST}{repair.pk}/quote/send/")
    assert refreshed(repair).status == S.AWAITING_APPROVAL
    return repair


def answer(browser: Client, repair: RepairRequest, given: str):
    return browser.post(f"{CHANGELIST}{repair.pk}/quote/answer/", {"answer": given})


def test_staff_record_the_customers_approval_given_at_the_counter(staff_browser, staff_user, waiting, screen):
    page = staff_browser.get(change_url(waiting)).text
    assert "waiting for the customer's answer" in page and 'value="approve"' in page

    response = answer(staff_browser, waiting, "approve")

    assert flash(response)[-1] == f"Quote approved; {waiting.tracking_code} is now in repair."
    assert (refreshed(waiting).status, waiting.approved_total) == (S.IN_REPAIR, Decimal("3500.00"))
    assert waiting.quotes.get().decided_by == staff_user
    screen.refresh_from_db()
    assert screen.reserved_quantity == 1


@pytest.mark.parametrize(("given", "status"), [("decline", S.CANCELLED), ("rediagnose", S.DIAGNOSING)])
def test_staff_record_the_customers_refusal(staff_browser, waiting, given, status):
    response = answer(staff_browser, waiting, given)

    assert flash(response)[-1] == f"Quote declined; {waiting.tracking_code} is now {status.label.lower()}."
    assert refreshed(waiting).status == status


def test_a_technician_cannot_answer_for_the_customer(tech_browser, waiting):
    page = tech_browser.get(change_url(waiting)).text

    assert 'value="approve"' not in page and "Only the customer, or staff at the counter" in page
    assert answer(tech_browser, waiting, "approve").status_code == 403
    assert refreshed(waiting).status == S.AWAITING_APPROVAL


def test_an_answer_with_nothing_waiting_is_refused_with_a_message(staff_browser):
    repair = repair_factory(status=S.DIAGNOSING)

    response = answer(staff_browser, repair, "approve")

    assert "Answer not recorded" in flash(response)[-1] and refreshed(repair).status == S.DIAGNOSING


def test_staff_open_a_free_warranty_claim_on_a_completed_repair(staff_browser):
    until = store_today() + timedelta(days=30)
    repair = repair_factory(status=S.COMPLETED, warranty_until=until, final_cost=Decimal("3000.00"),
                            amount_paid=Decimal("3000.00"))  # fmt: skip
    assert "Open a warranty claim" in staff_browser.get(change_url(repair)).text

    response = staff_browser.post(f"{CHANGELIST}{repair.pk}/warranty-claim/", {"issue_description": "Screen flickers"})

    claim = RepairRequest.objects.get(warranty_of=repair)
    assert response["Location"] == change_url(claim)
    assert (claim.status, claim.warranty_until, claim.issue_description) == (S.RECEIVED, until, "Screen flickers")
    assert claim.amount_due == Decimal("0.00")
    assert f"Warranty claim {claim.tracking_code} opened" in flash(response)[-1]


def test_a_claim_after_the_warranty_is_refused_with_a_message(staff_browser):
    repair = repair_factory(status=S.COMPLETED, warranty_until=store_today() - timedelta(days=1))

    page = staff_browser.get(change_url(repair)).text
    response = staff_browser.post(f"{CHANGELIST}{repair.pk}/warranty-claim/", {"issue_description": "Dead again"})

    assert "Warranty ended" in page and "Open a warranty claim" not in page
    assert "Claim not opened: The warranty of" in flash(response)[-1]
    assert not RepairRequest.objects.filter(warranty_of=repair).exists()


def test_a_technician_cannot_open_a_warranty_claim(tech_browser):
    repair = repair_factory(status=S.COMPLETED, warranty_until=store_today() + timedelta(days=30))

    response = tech_browser.post(f"{CHANGELIST}{repair.pk}/warranty-claim/", {"issue_description": "Dead again"})

    assert response.status_code == 403 and not RepairRequest.objects.filter(warranty_of=repair).exists()


def test_the_job_card_states_the_stores_warranty_in_days(tech_browser):
    from core.store import store_config_forget, store_settings_record

    record = store_settings_record()
    record.repair_warranty_days = 120
    record.save()
    store_config_forget()
    repair = repair_factory()

    text = tech_browser.get(f"{CHANGELIST}{repair.pk}/job-card/").text

    assert "120-day warranty from the day you collect the device" in text


# --- Cash at the counter -------------------------------------------------------------------------


def test_staff_record_the_cash_taken_at_the_counter(staff_browser):
    repair = repair_factory(status=S.READY_FOR_PICKUP, approved_total=Decimal("2500.00"))
    assert "Record cash" in staff_browser.get(change_url(repair)).text

    response = staff_browser.post(f"{CHANGELIST}{repair.pk}/record-cash/", {"amount": "2,500.00"})

    assert flash(response)[-1] == f"KES 2,500.00 in cash recorded on {repair.tracking_code}: paid."
    assert (refreshed(repair).amount_paid, repair.amount_due) == (Decimal("2500.00"), Decimal("0.00"))


@pytest.mark.parametrize(("typed", "said"), [("2000", "The amount due is 2500.00."), ("lots", "type the amount")])
def test_cash_other_than_what_is_due_is_refused_with_a_message(staff_browser, typed, said):
    repair = repair_factory(status=S.READY_FOR_PICKUP, approved_total=Decimal("2500.00"))

    response = staff_browser.post(f"{CHANGELIST}{repair.pk}/record-cash/", {"amount": typed})

    assert said in flash(response)[-1]
    assert refreshed(repair).amount_paid == Decimal("0.00")


def test_a_technician_takes_no_money(tech_browser):
    repair = repair_factory(status=S.READY_FOR_PICKUP, approved_total=Decimal("2500.00"))

    assert "Record cash" not in tech_browser.get(change_url(repair)).text
    assert tech_browser.post(f"{CHANGELIST}{repair.pk}/record-cash/", {"amount": "2500"}).status_code == 403
    assert refreshed(repair).amount_paid == Decimal("0.00")
