"""Maintainer command lines (`python -m bot faq ...`, `python -m bot scam eval`,
`python -m bot nlu from-faq`): kept out of `actions/` so the action server,
which imports every module of its package, never loads them."""
