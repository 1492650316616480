"""Outgoing mail over SMTP (``[mail]`` settings): ownership confirmation links, and alerts to a source's contact."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from config import Settings
from offerings.errors import HarvestError

__all__ = ["MailError", "enabled", "send"]

logger = logging.getLogger(__name__)


class MailError(HarvestError):
    """The SMTP server refused the mail or could not be reached."""


def enabled(settings: Settings) -> bool:
    """Whether an SMTP server is configured."""
    return bool(settings.mail.host)


def send(settings: Settings, to: str, subject: str, body: str) -> None:
    """Mail ``body`` to ``to``.

    Raises:
        MailError: no SMTP server is configured, or it did not take the mail.
    """
    mail = settings.mail
    if not mail.host:
        raise MailError("no SMTP server is configured (MICROCRED_MAIL__HOST)")
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout) as smtp:
            if mail.starttls:
                smtp.starttls()
            if mail.username:
                smtp.login(mail.username, mail.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"mail to {to} could not be sent: {exc}") from exc
    logger.info("mailed %r to %s", subject, to)
