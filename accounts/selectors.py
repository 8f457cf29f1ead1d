from django.db.models import QuerySet

from accounts.models import Address, LoginActivity, User


def address_list(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user)


def login_activity_list(*, user: User) -> QuerySet[LoginActivity]:
    return LoginActivity.objects.filter(user=user).only("at", "ip", "user_agent", "success")


def user_list() -> QuerySet[User]:
    return User.objects.all()
