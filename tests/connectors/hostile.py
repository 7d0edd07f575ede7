"""Hostile input for every query builder (issue 17): one list, shared by each vendor's test.

Quotes, the query languages' own operators, wildcards, braces, backslashes, NUL and control
characters, direction marks, invisible characters, confusables and 10 kB strings. Each vendor's
test runs them through its builder and asserts, from the requests its double received, that
none changed what was asked (`test_*_hostile.py`, `test_hostile_builders.py`).
"""

from __future__ import annotations

PHONE_AND_EMAIL: list[str] = [
    # quotes and the filter language's own syntax
    "+1 415 555 0132' OR phone:'",
    "4155550132' OR email:'a@b.co",
    "'+14155550132'",
    '"+14155550132"',
    "+1415555' OR '1'='1",
    "phone:'+14155550132' OR active:true",
    "+14155550132 OR mobile:'x'",
    "+14155550132 AND company_id:5",
    "+14155550132) OR (phone:null",
    "(415) 555-0132 OR tag:'vip'",
    "*4155550132",
    "415555*",
    "4155550132%",
    '+1 415 555 0132 {"query": 1}',
    "{{phone}}",
    "+1 415 555 0132\\",
    "\\' OR 1=1 --",
    "415\\u0027555",
    "maria@example.com' OR email:'x@y.co",
    'maria@example.com" OR "',
    "o'brien@example.com",
    "maria+tag@example.com",
    "maria@example.com OR bob@example.com",
    "maria@example.com&email=bob@example.com",
    "maria@example.com%26email%3Dbob@example.com",
    "maria@example.com#frag",
    "maria@exa mple.com",
    "*@example.com",
    "maria@example.com\\",
    # control characters, NUL, direction marks, invisible characters
    "+1 415 555 0132\x00' OR '",
    "maria@example.com\x00",
    "+1 415\n555 0132",
    "+1 415\r\n555 0132",
    "+1 415 555 0132\t",
    "\u202e2310 555 514 1+",
    "+1 415 555 0132\u200f",
    "\u200bmaria@example.com",
    "+1\u2066 415 555 0132\u2069",
    "\ufeff+14155550132",
    # confusables and other scripts
    "+1 \u0664\u0661\u0665 \u0665\u0665\u0665 \u0660\u0661\u0663\u0662",
    "+\uff11 \uff14\uff11\uff15 \uff15\uff15\uff15 \uff10\uff11\uff13\uff12",
    "maria@ex\u0430mple.com",  # Cyrillic a
    "m\u0430ria@example.com",
    "+1 415 555 O132",  # letter O
    "+1 415 555 0132 ext. 12' OR '",
    # size
    "1" * 10_240,
    "+1 415 555 0132 " + "A" * 10_240,
    ("maria@example.com" + " " * 10_000 + "x"),
    "a" * 64 + "@" + "b" * 10_000 + ".com",
]
"""Shaped like phone numbers and addresses, against the phone and email builders."""

NAMES_AND_SYNTAX: list[str] = [
    '"', "'", '"maria"', "Maria\" OR 1=1", "a@b.com' OR '1'='1", "') OR ('1'='1",
    '{"field": "role", "operator": "=", "value": "user"}', '{"operator": "OR"}', "{}", "[]",
    "\\", "a\\@b.com", "Maria\\", "\\u0022", "*", "%", "maria*", "Ma?ia", "_", "$", "^maria",
    "~", "!=", "!~", "IN", "NIN", "AND", "OR", "role:user", "email:*", "Maria\x00",
    "\x00", "Maria\x1b[31m", "Maria\r\nX-Injected: 1", "Maria\t", "Maria\u202eairaM",
    "\u200fMaria", "Maria\u200b", "M\u0430ria", "\uff4d\uff41\uff52\uff49\uff41",
    "\u216faria", "Maria\ufeff", "x" * 10_000,
    "M" * 101, "<script>alert(1)</script>", "maria@example.com,bob@example.com",
    "maria@example.com OR 1", "4155550132*", "+1 (415) 555-0132 OR 1", "0x1F",
    "١٢٣٤٥٦٧٨٩٠", "../../me", "%00", "null", "true", "O'Brien", "A@B.com", "Maria@Example.com",
]  # fmt: skip
"""Shaped like names and query syntax (JSON, operators), against every builder."""

ALL: list[str] = list(dict.fromkeys([*PHONE_AND_EMAIL, *NAMES_AND_SYNTAX]))
"""Both lists, each vector once."""
