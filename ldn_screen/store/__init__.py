"""Admin data only: users, settings versions and the audit log. Never patient answers."""
