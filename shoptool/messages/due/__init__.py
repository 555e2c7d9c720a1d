"""Who is due which message, and why not: one module per purpose (shipping notices, payment
reminders). Selection only: the outbox (messages/outbox.py) decides and sends."""
