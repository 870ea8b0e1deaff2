"""Small helpers for the wording of messages. Imports nothing (config.py uses it)."""

from __future__ import annotations


def with_article(noun: str) -> str:
    """`noun` with its indefinite article: "an int", "a str" (by the first letter, which
    is right for the type names it is used with)."""
    return f"{'an' if noun[:1].lower() in ('a', 'e', 'i', 'o', 'u') else 'a'} {noun}"
