"""An email backend that always fails, as an unreachable mail server does."""

from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class MailServerDown(ConnectionError):
    pass


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise MailServerDown("the mail server refused the connection")
