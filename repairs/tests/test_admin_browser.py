"""
The repair desk as a person uses it: Debian's Chromium, driven by Playwright, against a live server.

A technician signs in with the admin's login form, narrows the queue to their own overdue work,
opens a repair and presses a status button; a clerk takes a device in at the counter and prints its
job card, whose QR code is read back from a screenshot with zxing-cpp and must be the tracking URL.
Screenshots go to a temporary folder (printed at the end) for a person to look at.

These tests never skip: without Chromium they fail and say how to install it (CI installs it).
Playwright's sync API runs an event loop in this thread while the browser is open, and Django refuses
ORM calls from a thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The loop only
waits for the browser while a test's own code runs, so the test's queries cannot block it: the flag
is set for this module only, and removed after it.
"""

import os
import re
import shutil
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from accounts.tests.factories import DEFAULT_PASSWORD
from core.dates import store_today
from repairs.models import RepairRequest, RepairStatus
from repairs.notifications import tracking_url
from repairs.services.lifecycle import allowed_moves
from repairs.tests.factories import repair_factory, technician_user

S = RepairStatus
CHROMIUM = os.environ.get("DUKA_CHROMIUM", "/usr/bin/chromium")
CHANGELIST = "/admin/repairs/repairrequest/"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def chromium():
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(
            f"Chromium is not at {CHROMIUM}: install it (apt-get install -y chromium) or set DUKA_CHROMIUM. "
            "The browser tests do not skip.",
            pytrace=False,
        )
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("repair-desk-screenshots")
    yield folder
    print(f"\nRepair desk screenshots: {folder}")


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Page, email: str, next_url: str = CHANGELIST) -> None:
    """Sign in as a person does: the admin's login form, email and password."""
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def rows(page: Page) -> list[str]:
    return page.locator("#result_list tbody th.field-tracking_code a").all_inner_texts()


def test_a_technician_narrows_the_queue_to_their_overdue_work_and_moves_a_repair(page, shots):
    tech = technician_user(email="cynthia@example.com", first_name="Cynthia", last_name="Wanjiru")
    yesterday = store_today() - timedelta(days=1)
    late = repair_factory(assigned_technician=tech, promised_by=yesterday, brand="Samsung", model="Galaxy A14",
                          contact_name="Akinyi Otieno")  # fmt: skip
    on_time = repair_factory(assigned_technician=tech, promised_by=store_today() + timedelta(days=3))
    someone_elses = repair_factory(assigned_technician=technician_user(), promised_by=yesterday)

    sign_in(page, tech.email)
    expect(page.locator("#result_list")).to_be_visible()
    assert set(rows(page)) == {late.tracking_code, on_time.tracking_code, someone_elses.tracking_code}
    nav = page.locator("#nav-sidebar, #content-main").first.inner_text()
    assert "Orders" not in nav and "Payments" not in nav

    page.locator("#changelist-filter").get_by_role("link", name="Mine", exact=True).click()
    expect(page).to_have_url(re.compile(r"queue=mine"))
    assert set(rows(page)) == {late.tracking_code, on_time.tracking_code}
    page.locator("#changelist-filter").get_by_role("link", name="Overdue", exact=True).click()
    expect(page).to_have_url(re.compile(r"promised=overdue"))
    assert rows(page) == [late.tracking_code]
    expect(page.locator("#result_list .overdue")).to_contain_text("overdue")
    page.screenshot(path=shots / "1-queue-mine-overdue.png", full_page=True)

    page.get_by_role("link", name=late.tracking_code).click()
    panel = page.locator(".repair-status-panel")
    expect(panel).to_contain_text("Received")
    expect(panel).to_contain_text("Overdue")
    offered = panel.locator("button[name=to]").evaluate_all("buttons => buttons.map(b => b.value)")
    assert sorted(offered) == sorted(allowed_moves(late))
    assert page.locator("select[name=status]").count() == 0
    page.screenshot(path=shots / "2-repair-page.png", full_page=True)

    panel.locator("input[name=note]").fill("Opened the back cover")
    panel.get_by_role("button", name="Start diagnosis").click()

    expect(page.locator(".messagelist")).to_contain_text(f"{late.tracking_code} is now diagnosing.")
    expect(page.locator(".repair-status-panel .now")).to_contain_text("Diagnosing")
    history = page.locator("#history-group tbody tr.has_original")
    expect(history.last).to_contain_text("Diagnosing")
    expect(history.last).to_contain_text("Opened the back cover")
    expect(history.last).to_contain_text("Cynthia Wanjiru")
    page.screenshot(path=shots / "3-after-the-move.png", full_page=True)
    late.refresh_from_db()
    assert late.status == S.DIAGNOSING and late.history.last().actor == tech


def test_a_clerk_takes_a_device_in_and_the_job_cards_qr_code_reads_as_the_tracking_url(page, shots, staff_user):
    import zxingcpp
    from PIL import Image

    sign_in(page, staff_user.email, next_url=f"{CHANGELIST}add/")
    page.select_option("#id_device_type", "phone")
    page.fill("#id_brand", "Tecno")
    page.fill("#id_model", "Camon 30")
    page.fill("#id_serial_number", "490154203237518")
    page.fill("#id_issue_description", "Battery swells")
    page.fill("#id_accessories", "Charger")
    page.check("#id_unlocks_at_counter")
    page.fill("#id_contact_name", "Akinyi Otieno")
    page.fill("#id_contact_phone", "0712 345 678")
    page.fill("#id_contact_email", "akinyi@example.com")
    page.screenshot(path=shots / "4-intake.png", full_page=True)
    page.locator("input[name=_save]").click()

    expect(page.locator(".messagelist")).to_contain_text("Print the job card for the customer.")
    repair = RepairRequest.objects.get()
    assert (repair.contact_phone, repair.status, repair.user) == ("254712345678", S.RECEIVED, None)
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Job card", exact=True).click()
    card = opened.value
    card.wait_for_load_state()

    expect(card.locator("#tracking-code")).to_have_text(repair.tracking_code)
    expect(card.locator("#tracking-url")).to_have_text(tracking_url(repair))
    expect(card.locator("#unlocking")).to_contain_text("unlocks the device at the counter")
    card.screenshot(path=shots / "5-job-card.png", full_page=True)
    card.locator("svg.qr").screenshot(path=shots / "6-job-card-qr.png")

    decoded = [result.text for result in zxingcpp.read_barcodes(Image.open(shots / "6-job-card-qr.png"))]
    assert decoded == [tracking_url(repair)]

    card.emulate_media(media="print")
    expect(card.locator(".toolbar")).to_be_hidden()
    card.screenshot(path=shots / "7-job-card-printed.png", full_page=True)
    full_page = [result.text for result in zxingcpp.read_barcodes(Image.open(shots / "7-job-card-printed.png"))]
    assert full_page == [tracking_url(repair)]
    assert RepairRequest.objects.get(pk=repair.pk).status == S.RECEIVED  # printing changes nothing
