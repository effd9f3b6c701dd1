"""Repairing text that PDF and web extraction broke, without rewording it.

Extraction wraps a table cell's sentence over many lines, sometimes in the
middle of a word (领\\n域, 呼\\n和浩特市), and leaves stray spaces before
full-width punctuation ("制度 （中英文）"). Joining the pieces back and
dropping spaces next to Chinese characters restores the sentence as the bank
wrote it; spaces between Latin words ("Spring Boot") are kept.
"""

import re
import unicodedata

_ITEM_NUMBER = re.compile(r"^(\d{1,2})\s*(?:[.．、]+\s*|(?=[^\d\s.．、,，]))")
_CHINESE_DIGITS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def is_wide(char):
    """Chinese characters and full-width punctuation ("，", "（", "、" …)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def _is_latin(char):
    return char.isascii() and char.isalnum()


def join_wrapped(pieces):
    """Join line fragments of one sentence that extraction wrapped.

    A line break inside Chinese text is not a space; one between two Latin
    letters or digits was (the PDF broke at a space), so it becomes one.
    """
    text = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if text and _is_latin(text[-1]) and _is_latin(piece[0]):
            text += " "
        text += piece
    return tidy(text)


def tidy(text):
    """Drop whitespace next to Chinese text and collapse the rest to one space."""

    def replace(match):
        before = text[match.start() - 1] if match.start() > 0 else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if not before or not after or is_wide(before) or is_wide(after):
            return ""
        return " "

    return re.sub(r"\s+", replace, text).strip()


def item_number(line):
    """The leading item number of a line ("3..具备" -> 3, "1大学" -> 1), or None."""
    match = _ITEM_NUMBER.match(line.strip())
    return int(match.group(1)) if match else None


def strip_item_number(line):
    return _ITEM_NUMBER.sub("", line.strip(), count=1)


def split_numbered(lines):
    """Split (line_number, text) pairs into numbered items.

    A line starts a new item only when it carries the next expected number, so
    a wrapped line that happens to begin with a digit ("1000KVA…") stays part
    of its sentence. Text before item 1 becomes an unnumbered lead item.
    Returns (number or None, text, first_line, last_line) tuples.
    """
    items = []
    expected = 1
    for line_number, line in lines:
        if not line.strip():
            continue
        if item_number(line) == expected:
            items.append(
                [expected, [strip_item_number(line)], line_number, line_number]
            )
            expected += 1
        elif items:
            items[-1][1].append(line)
            items[-1][3] = line_number
        else:
            items.append([None, [line], line_number, line_number])
    return [
        (number, join_wrapped(parts), first, last)
        for number, parts, first, last in items
    ]


def chinese_numeral(text):
    """Value of a small Chinese numeral such as 三, 十, 十四 (1-99), or None."""
    if not text or any(ch not in _CHINESE_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CHINESE_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    value = (_CHINESE_DIGITS.get(tens, 0) if tens else 1) * 10
    return value + (_CHINESE_DIGITS.get(ones, 0) if ones else 0)
