from typing import Any

from django.http import HttpRequest


def ester(request: HttpRequest) -> dict[str, Any]:
    from ester.core.access import is_customer_contact, is_staff_user

    user = getattr(request, "user", None)
    return {
        "is_staff_user": is_staff_user(user),
        "is_customer_contact": is_customer_contact(user),
    }
