"""The actions Rasa calls, one module per service: faq, scam, handoff, preferences.

rasa-sdk imports every module under `actions/` and registers each Action
subclass it finds; a module here holds a service's actions and nothing the
bot or a maintainer command needs.
"""
