"""Signals of the frame that higher apps listen to without the frame naming them."""

from django.dispatch import Signal

# Sent once a request (or a finished operation) has changed a sandbox, after
# its transaction: ``sandbox`` is the Sandbox. The labs app regrades a lab
# in progress on it.
sandbox_changed = Signal()
