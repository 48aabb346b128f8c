"""The volunteer desk: tickets for questions the bot could not answer.

`desk.py` runs tickets; `tables.py` keeps them; `settings.py` holds the
desk's tunables; `wording.py` writes what citizens and volunteers read;
`notifier.py` is the Telegram side as the desk needs it (bot/volunteers.py
implements it).
"""
