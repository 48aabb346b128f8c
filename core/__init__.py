"""What the bot, the action server and the Rasa process all use.

Settings read from the environment, the texts users see, masking of
personal data and the handling of the two scripts Mongolian is typed in.
It imports nothing from `bot/`, `actions/` or Rasa, and nothing heavier than
PyYAML, so each of the three processes (two of them on different Pythons)
can import it.
"""
