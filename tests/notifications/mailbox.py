"""An email backend for worker processes started by tests: each accepted message is one line
appended to a file (flushed to disk before returning), after which the "relay" pauses, so a
test can kill the worker after the relay accepted a message and before the row was marked sent."""

import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class SlowMailbox(BaseEmailBackend):
    def send_messages(self, messages) -> int:
        path = os.environ["MAILBOX_PATH"]
        pause = float(os.environ.get("MAILBOX_PAUSE", "0"))
        for message in messages:
            with open(path, "a", encoding="utf-8") as mailbox:
                mailbox.write(f"{message.to[0]}\n")
                mailbox.flush()
                os.fsync(mailbox.fileno())
            time.sleep(pause)
        return len(messages)
