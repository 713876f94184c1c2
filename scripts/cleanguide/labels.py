"""The words that label an article's structure, in the languages its articles are written in.

A method is "Method 2", "Lösung 2", "方法2" or "الطريقة 2"; a step "Step 3", "Schritt 3",
"ステップ3" or "الخطوة 3"; a note "Note:", "Hinweis:", "注意" and a full-width colon. Each tuple holds the words
as authors write them (lower case; regexes match them in any case): the patterns that read
structure (`structure/guide.py`, `structure/steps.py`, `structure/blocks.py`,
`typography.py`) are built from them, so a language is added here and nowhere else.
A word goes in only if, followed by a number (or, for notes, by a colon), it can mean
nothing else in a how-to article.
"""

from __future__ import annotations

import re
from typing import Final

METHOD_WORDS: Final = (
    *("part", "method", "fix", "way", "solution", "option", "approach"),
    *("methode", "lösung", "loesung", "variante"),  # de
    *("méthode", "partie"),  # fr (solution, option: as in English)
    *("método", "metodo", "solución", "solucion", "opción", "parte"),  # es, it, pt
    *("soluzione", "solução", "solucao", "oplossing"),  # it, pt, nl
    *("способ", "метод", "решение"),  # ru
    *("方法", "解決策", "対処法"),  # ja, zh
    *("الطريقة", "طريقة", "الحل"),  # ar
)
"""A heading "<word> N: title" is method N."""

STEP_WORDS: Final = (
    "step",
    *("schritt", "étape", "etape", "paso", "passo", "stap"),
    *("шаг", "ステップ", "手順", "步骤", "步驟"),
    *("الخطوة", "خطوة", "שלב"),
)
"""A paragraph, heading or list item opening with "<word> N" is step N."""

NOTE_WORDS: Final = {
    **dict.fromkeys(("note", "notice", "hinweis", "remarque", "nota", "opmerking"), "note"),
    **dict.fromkeys(("примечание", "メモ", "注", "ملاحظة"), "note"),
    **dict.fromkeys(("tip", "tipp", "astuce", "consejo", "suggerimento", "dica"), "tip"),
    **dict.fromkeys(("совет", "ヒント", "提示", "نصيحة"), "tip"),
    **dict.fromkeys(("warning", "caution", "important", "warnung", "achtung"), "warning"),
    **dict.fromkeys(("wichtig", "attention", "avertissement", "advertencia"), "warning"),
    **dict.fromkeys(("importante", "attenzione", "aviso", "waarschuwing"), "warning"),
    **dict.fromkeys(("внимание", "важно", "注意", "تنبيه", "تحذير"), "warning"),
}
"""A paragraph opening with "<word>:" is a note of this kind (an admonition)."""

COLONS: Final = ":："
"""A colon, and the full-width colon of Chinese and Japanese text."""


def alternation(words: tuple[str, ...] | list[str]) -> str:
    """A regex matching any of `words` (longest first, so none hides a longer one)."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


CARDINALS: Final = (
    *("one", "two", "three", "four", "five", "six"),
    *("seven", "eight", "nine", "ten", "eleven", "twelve"),
)
"""Numbers as English words: "Step Three", "Solution Five" (the word's place is its number)."""
ORDINALS: Final = (
    *("first", "second", "third", "fourth", "fifth", "sixth"),
    *("seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"),
)
"""Ordinals as English words: "Third step"."""
NUMBER_SIGN: Final = r"(?:#|№|No\.)"
"""What may stand between a label and its number: "Step #2", "Method No. 3", "Fix № 4"."""

__all__ = [
    "CARDINALS",
    "COLONS",
    "METHOD_WORDS",
    "NOTE_WORDS",
    "NUMBER_SIGN",
    "ORDINALS",
    "STEP_WORDS",
    "alternation",
]
