"""Demo accounts, one per role, with passwords printed for the person trying Duka."""

from accounts.models import Role, User
from accounts.roles import apply_role_access

DEMO_ACCOUNTS = [
    # email, password, role, first name, last name, phone
    ("admin@duka.local", "DukaAdmin!2026", Role.ADMIN, "Amina", "Otieno", "254700000001"),
    ("staff@duka.local", "DukaStaff!2026", Role.STAFF, "Brian", "Kamau", "254700000002"),
    ("tech@duka.local", "DukaTech!2026", Role.TECHNICIAN, "Cynthia", "Wanjiru", "254700000003"),
    ("customer@duka.local", "DukaShopper!2026", Role.CUSTOMER, "David", "Mwangi", "254712345678"),
]


def seed(*, command, options) -> None:
    command.stdout.write("Demo sign-ins (API: POST /api/v1/auth/login; admin: /admin/):")
    for email, password, role, first_name, last_name, phone in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name, phone=phone, role=role
            )
        # Each run puts the demo accounts back as documented.
        user.set_password(password)
        user.role, user.is_active, user.is_email_verified = role, True, True
        user.is_superuser = role == Role.ADMIN
        user.save()
        apply_role_access(user)
        command.stdout.write(f"  {role.label:<11} {email:<22} {password}")
