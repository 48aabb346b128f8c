"""Khotoch's Telegram bot, terminal chat and command line."""
