from django.http import HttpRequest

from accounts.roles import is_analyst, is_framework_admin, is_reviewer


def roles(request: HttpRequest) -> dict[str, bool]:
    user = request.user
    return {
        "user_is_analyst": is_analyst(user),
        "user_is_reviewer": is_reviewer(user),
        "user_is_framework_admin": is_framework_admin(user),
    }
