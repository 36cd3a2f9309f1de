"""Who may manage webhooks: the framework admins (staff), in the admin, and nobody else.

Endpoints decide which systems outside the office receive what, so the admin pages of every
webhook model ask here rather than trusting model permissions that a group may or may not
hold (the role groups get theirs in ``accounts.services.ensure_role_groups``).
"""

from accounts.roles import User, is_framework_admin


def may_manage_webhooks(user: User) -> bool:
    return bool(user.is_active and user.is_staff and is_framework_admin(user))
