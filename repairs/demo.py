"""
A dozen repairs at the demo counter, in every status, made through the real services (tracking codes,
history, quotes, parts held from stock and sold, notes, a cash payment, a repair handed over unpaid,
a warranty claim), so the admin, the API and the tracking page show what a working day leaves behind.
Running it again changes nothing.
"""

from datetime import timedelta
from decimal import Decimal

from accounts.models import User
from catalog.models import ProductVariant
from catalog.pricing import variant_sellable_q
from core.dates import store_today
from repairs.models import DeviceType, RepairRequest, RepairStatus
from repairs.services import payments, quotes, warranty
from repairs.services.lifecycle import repair_transition
from repairs.services.notes import note_add
from repairs.services.tickets import repair_create, repair_update

S = RepairStatus

# device type, brand, model, serial/IMEI, issue, contact name, phone, email, accessories
DEVICES = [
    (DeviceType.PHONE, "Samsung", "Galaxy A14", "490154203237518", "Cracked screen, touch dead at the top.",
     "David Mwangi", "254712345678", "customer@duka.local", "Case"),
    (DeviceType.PHONE, "Tecno", "Spark 20", "356938035643809", "Does not charge.", "Achieng Odhiambo",
     "254722000111", "achieng@example.com", ""),
    (DeviceType.LAPTOP, "HP", "EliteBook 840 G5", "5CG8341XYZ", "Keyboard keys stop working after a spill.",
     "Kevin Kiprop", "254733000222", "kevin@example.com", "Charger"),
    (DeviceType.PHONE, "Infinix", "Hot 30", "352099001761481", "Battery drains in two hours.", "Mercy Wambui",
     "254711000333", "mercy@example.com", "SIM tray"),
    (DeviceType.TABLET, "Apple", "iPad 9th gen", "DMPXK1ABCD12", "Cracked glass, display fine.", "Hassan Ali",
     "254701000444", "hassan@example.com", "Cover"),
    (DeviceType.PHONE, "Oppo", "A78", "", "No sound from the earpiece.", "Faith Chebet", "254790000555",
     "faith@example.com", ""),
    (DeviceType.PHONE, "Xiaomi", "Redmi Note 12", "", "Water damage, will not turn on.", "Otieno Juma",
     "254768000666", "otieno@example.com", ""),
    (DeviceType.LAPTOP, "Lenovo", "ThinkPad T480", "PF1ABC23", "Fan is very loud, overheats.", "Grace Nduta",
     "254745000777", "grace@example.com", "Charger, bag"),
    (DeviceType.PHONE, "Samsung", "Galaxy S21", "", "Back glass shattered.", "Peter Mutua", "254712000888",
     "peter@example.com", "Case"),
    (DeviceType.PHONE, "Nokia", "G21", "", "Charging port loose.", "Lucy Atieno", "254700999000",
     "lucy@example.com", ""),
    (DeviceType.OTHER, "JBL", "Flip 5", "", "Speaker does not pair over Bluetooth.", "Brian Kiptoo",
     "254710123123", "brian.k@example.com", "Cable"),
    (DeviceType.PHONE, "Tecno", "Camon 19", "", "Screen flickers.", "Naliaka Wafula", "254729456456",
     "naliaka@example.com", ""),
]  # fmt: skip


def seed(*, command, options) -> None:
    tech = User.objects.filter(email="tech@duka.local").first()
    staff = User.objects.filter(email="staff@duka.local").first()
    customer = User.objects.filter(email="customer@duka.local").first()
    if tech is None or staff is None or RepairRequest.objects.exists():
        return
    parts = list(ProductVariant.objects.filter(variant_sellable_q(), stock_quantity__gte=10).order_by("id")[:3])
    if len(parts) < 3:
        return

    def take_in(index: int, *, by=None) -> RepairRequest:
        kind, brand, model, serial, issue, name, phone, email, accessories = DEVICES[index]
        data = {"device_type": kind, "brand": brand, "model": model, "serial_number": serial,
                "issue_description": issue, "contact_name": name, "contact_phone": phone, "contact_email": email,
                "accessories": accessories, "unlocks_at_counter": kind == DeviceType.PHONE}  # fmt: skip
        return repair_create(data=data, user=by or staff)

    def diagnose(repair: RepairRequest, diagnosis: str, *, promised_in: int = 3) -> RepairRequest:
        # A negative `promised_in` is a promise already missed: the admin's "overdue" filter has something to show.
        promised_by = store_today() + timedelta(days=promised_in)
        changes = {
            "status": S.DIAGNOSING,
            "assigned_technician": tech,
            "diagnosis": diagnosis,
            "promised_by": promised_by,
        }
        return repair_update(repair=repair, actor=tech, changes=changes)

    def quote(repair: RepairRequest, part: ProductVariant | None, labour: str) -> RepairRequest:
        lines = [{"kind": "labour", "description": "Labour", "quantity": 1, "unit_price": Decimal(labour)}]
        if part is not None:
            lines.append({"kind": "part", "description": str(part), "variant_id": part.pk, "quantity": 1})
        quotes.quote_draft_save(repair=repair, lines=lines, note="Includes 90 days' warranty.", actor=tech)
        return quotes.quote_send(repair=repair, actor=tech)

    def approved(repair: RepairRequest, part: ProductVariant | None, labour: str) -> RepairRequest:
        return quotes.quote_approve(repair=quote(repair, part, labour), actor=None)  # with the tracking code

    # received: one handed in by the signed-in demo customer, one walk-in at the counter
    take_in(0, by=customer)
    walk_in = take_in(1)
    note_add(repair=walk_in, author=staff, body="Customer will call back with a second phone number.", is_public=False)

    # diagnosing
    laptop = diagnose(take_in(2), "Liquid under the keyboard; checking the board.", promised_in=-1)
    note_add(repair=laptop, author=tech, body="Dried out; the board looks clean so far.", is_public=True)

    # awaiting_approval: the labour-only shortcut, and a quote with a part
    labour_only = diagnose(take_in(3), "Battery worn (78% health).")
    repair_update(
        repair=labour_only, actor=tech, changes={"status": S.AWAITING_APPROVAL, "estimated_cost": Decimal("1500")}
    )
    quote(diagnose(take_in(4), "Front glass cracked, digitiser fine."), parts[0], "2000")

    # in_repair (parts held) and awaiting_parts
    in_repair = approved(diagnose(take_in(5), "Earpiece speaker faulty."), parts[1], "800")
    note_add(repair=in_repair, author=tech, body="Part taken from stock; repair under way.", is_public=True)
    waiting = approved(
        diagnose(take_in(6), "Board corrosion, needs a new charging IC.", promised_in=-2), parts[2], "2500"
    )
    repair_transition(repair=waiting, to=S.AWAITING_PARTS, actor=tech, note="Second IC ordered from the supplier.")
    note_add(repair=waiting, author=tech, body="The supplier delivers on Friday.", is_public=True)

    # ready_for_pickup, and completed (one of them later claimed under warranty)
    ready = approved(diagnose(take_in(7), "Fan clogged with dust; thermal paste dry."), None, "1800")
    repair_update(repair=ready, actor=tech, changes={"status": S.READY_FOR_PICKUP, "final_cost": Decimal("1800")})
    for index, diagnosis, part in ((8, "Back glass cracked.", parts[1]), (9, "Charging port worn.", None)):
        done = approved(diagnose(take_in(index), diagnosis), part, "1200")
        repair_transition(repair=done, to=S.READY_FOR_PICKUP, actor=tech)
        done = repair_transition(repair=done, to=S.COMPLETED, actor=staff, note="Handed over at the counter.")
        if part is not None:  # paid in cash at pickup; the other was handed over with money still due
            payments.repair_record_cash(repair=done, amount=done.amount_due, actor=staff)
    warranty.warranty_claim_open(repair=done, issue_description="The port is loose again.", actor=staff)

    # cancelled: a declined quote, and a customer who took the device back before diagnosis
    declined = quote(diagnose(take_in(10), "Bluetooth module dead."), None, "3000")
    quotes.quote_decline(repair=declined, actor=None)
    early = take_in(11)
    repair_transition(repair=early, to=S.CANCELLED, actor=staff, note="The customer took the phone back.")

    command.stdout.write(
        f"Repairs: {RepairRequest.objects.count()} demo repairs in every status (tech@duka.local works the queue)."
    )
