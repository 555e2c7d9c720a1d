"""SMS: templates and length, provider adapters, credentials (the outbox builds on these)."""
