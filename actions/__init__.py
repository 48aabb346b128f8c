"""Khotoch's Rasa action server and the domain logic the bot shares with it.

Kept free of side effects on import: rasa-sdk imports every submodule of this
package when the action server starts.
"""
