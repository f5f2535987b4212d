"""Notifications and mail: who is told what, in the app, live and by e-mail."""
