"""SOQL and SOSL, the subset the Salesforce double understands, parsed the way Salesforce does.

Written from Salesforce's "SOQL and SOSL Reference" (developer.salesforce.com/docs/atlas.en-us.
soql_sosl.meta): see `salesforce_fake.py` for the research notes and sources. What matters for
tests is that a query built wrongly fails here as it fails in Salesforce:

- SOQL string literals are quoted with `'`; inside them only the escape sequences `\\n \\r \\t
  \\b \\f \\" \\' \\\\` (and `\\_ \\%` in LIKE) are legal, any other backslash is an error, and an
  unescaped `'` ends the literal, so whatever follows must parse as SOQL or the query is
  refused with `MALFORMED_QUERY`.
- Long text areas (`Description`, `CommentBody`) cannot be filtered: `INVALID_FIELD`.
- In SOSL, `FIND {...}` ends at the first unescaped `}`; the reserved characters
  `? & | ! { } [ ] ( ) ^ ~ * : \\ " ' + -` must be backslash-escaped, `AND`/`OR`/`AND NOT` are
  operators, `"..."` is a phrase, `*` and `?` are wildcards. Unescaped reserved characters that
  are not operators are refused with `MALFORMED_SEARCH`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


class QueryError(Exception):
    """A query Salesforce would refuse; `code` is its `errorCode`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def malformed(message: str) -> QueryError:
    return QueryError("MALFORMED_QUERY", message)


# --- SOQL tokens ------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_LIKE_ESCAPES = {"_": "\\_", "%": "\\%"}


@dataclass(frozen=True)
class Tok:
    kind: str
    """'str', 'word', 'num', 'punct' or 'end'."""
    text: str


def soql_tokens(text: str) -> list[Tok]:
    """Split SOQL into tokens; string literals come back unescaped (LIKE escapes kept)."""
    tokens: list[Tok] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "'":
            i, value = _literal(text, i + 1)
            tokens.append(Tok("str", value))
        elif ch in "(),":
            tokens.append(Tok("punct", ch))
            i += 1
        elif ch in "=!<>":
            op = text[i : i + 2] if text[i : i + 2] in ("!=", "<=", ">=", "<>") else ch
            if op == "!":
                raise malformed(f"unexpected token: '{ch}'")
            tokens.append(Tok("punct", op))
            i += len(op)
        else:
            m = re.match(r"[A-Za-z0-9_.:\-+]+", text[i:])
            if not m:
                raise malformed(f"unexpected token: '{ch}'")
            word = m.group(0)
            kind = "num" if re.fullmatch(r"-?\d+(\.\d+)?", word) else "word"
            tokens.append(Tok(kind, word))
            i += len(word)
    tokens.append(Tok("end", ""))
    return tokens


def _literal(text: str, i: int) -> tuple[int, str]:
    out: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            elif nxt in _LIKE_ESCAPES:
                out.append(_LIKE_ESCAPES[nxt])
            else:
                raise malformed(f"Invalid string literal: illegal escape sequence '\\{nxt}'")
            i += 2
        elif ch == "'":
            return i + 1, "".join(out)
        else:
            out.append(ch)
            i += 1
    raise malformed("unexpected end of query: unterminated string literal")


# --- conditions (shared by SOQL WHERE and SOSL RETURNING ... WHERE) -----------------------------

Getter = Callable[[dict[str, Any], str], Any]


@dataclass
class Cond:
    op: str
    """'and', 'or', 'not', or a comparison ('=', '!=', '<', '>', '<=', '>=', 'like', 'in',
    'not in')."""
    parts: tuple[Cond, ...] = ()
    field: str = ""
    value: Any = None

    def fields(self) -> Iterator[str]:
        if self.field:
            yield self.field
        for part in self.parts:
            yield from part.fields()

    def test(self, record: dict[str, Any], get: Getter) -> bool:
        if self.op == "and":
            return all(p.test(record, get) for p in self.parts)
        if self.op == "or":
            return any(p.test(record, get) for p in self.parts)
        if self.op == "not":
            return not self.parts[0].test(record, get)
        have = get(record, self.field)
        return compare(self.op, have, self.value)


def compare(op: str, have: Any, want: Any) -> bool:
    if op == "in":
        return any(_eq(have, w) for w in want)
    if op == "not in":
        return not any(_eq(have, w) for w in want)
    if op == "=":
        return _eq(have, want)
    if op in ("!=", "<>"):
        return not _eq(have, want)
    if op == "like":
        if have is None:
            return False
        pattern = "".join(
            ".*" if c == "%" else "." if c == "_" else re.escape(c)
            for c in re.split(r"(\\[_%]|[%_])", str(want))
            for c in ([c[1]] if c.startswith("\\") and len(c) == 2 else [c])
            if c
        )
        return re.fullmatch(pattern, str(have), re.IGNORECASE | re.DOTALL) is not None
    if have is None or want is None:
        return False
    a, b = _comparable(have), _comparable(want)
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _eq(have: Any, want: Any) -> bool:
    if isinstance(want, str) and isinstance(have, str):
        return have.casefold() == want.casefold()
    return bool(have == want)


def _comparable(value: Any) -> Any:
    return value if isinstance(value, (int, float)) else str(value)


class Parser:
    """A cursor over SOQL tokens."""

    def __init__(self, tokens: list[Tok]) -> None:
        self.tokens = tokens
        self.i = 0

    @property
    def peek(self) -> Tok:
        return self.tokens[self.i]

    def next(self) -> Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def keyword(self, *words: str) -> bool:
        """Consume the keywords if they come next (case-insensitive)."""
        toks = self.tokens[self.i : self.i + len(words)]
        if len(toks) == len(words) and all(
            t.kind == "word" and t.text.upper() == w for t, w in zip(toks, words, strict=True)
        ):
            self.i += len(words)
            return True
        return False

    def expect(self, text: str) -> None:
        tok = self.next()
        if tok.text.upper() != text:
            raise malformed(f"unexpected token: '{tok.text}'; expecting '{text}'")

    def name(self) -> str:
        tok = self.next()
        if tok.kind != "word" or not re.fullmatch(
            r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*", tok.text
        ):
            raise malformed(f"unexpected token: '{tok.text or 'end of query'}'")
        return tok.text

    def condition(self) -> Cond:
        parts = [self._conjunction()]
        while self.keyword("OR"):
            parts.append(self._conjunction())
        return parts[0] if len(parts) == 1 else Cond("or", tuple(parts))

    def _conjunction(self) -> Cond:
        parts = [self._unary()]
        while self.keyword("AND"):
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else Cond("and", tuple(parts))

    def _unary(self) -> Cond:
        if self.keyword("NOT"):
            return Cond("not", (self._unary(),))
        if self.peek.text == "(":
            self.next()
            inner = self.condition()
            self.expect(")")
            return inner
        name = self.name()
        if self.keyword("NOT", "IN"):
            return Cond("not in", field=name, value=self._values())
        if self.keyword("IN"):
            return Cond("in", field=name, value=self._values())
        if self.keyword("LIKE"):
            return Cond("like", field=name, value=self._value())
        op = self.next()
        if op.kind != "punct" or op.text not in ("=", "!=", "<>", "<", ">", "<=", ">="):
            raise malformed(f"unexpected token: '{op.text or 'end of query'}'")
        return Cond(op.text, field=name, value=self._value())

    def _values(self) -> list[Any]:
        self.expect("(")
        values = [self._value()]
        while self.peek.text == ",":
            self.next()
            values.append(self._value())
        self.expect(")")
        return values

    def _value(self) -> Any:
        tok = self.next()
        if tok.kind == "str":
            return tok.text
        if tok.kind == "num":
            return float(tok.text) if "." in tok.text else int(tok.text)
        word = tok.text.upper() if tok.kind == "word" else ""
        if word in ("TRUE", "FALSE"):
            return word == "TRUE"
        if word == "NULL":
            return None
        if tok.kind == "word" and re.fullmatch(
            r"\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2}))?", tok.text
        ):
            return tok.text
        raise malformed(f"unexpected token: '{tok.text or 'end of query'}'")


# --- SOQL ---------------------------------------------------------------------------------------


@dataclass
class Select:
    fields: list[str]
    subqueries: list[Select]
    sobject: str
    where: Cond | None = None
    order: list[tuple[str, bool, bool]] = field(default_factory=list)
    """(field, descending, nulls_last)"""
    limit: int | None = None
    offset: int = 0


def parse_soql(text: str) -> Select:
    parser = Parser(soql_tokens(text))
    select = _select(parser)
    if parser.peek.kind != "end":
        raise malformed(f"unexpected token: '{parser.peek.text}'")
    return select


def _select(p: Parser) -> Select:
    p.expect("SELECT")
    fields: list[str] = []
    subs: list[Select] = []
    while True:
        if p.peek.text == "(":
            p.next()
            subs.append(_select(p))
            p.expect(")")
        else:
            fields.append(p.name())
        if p.peek.text != ",":
            break
        p.next()
    p.expect("FROM")
    select = Select(fields, subs, p.name())
    _tail(p, select)
    return select


def _tail(p: Parser, select: Select) -> None:
    if p.keyword("WHERE"):
        select.where = p.condition()
    if p.keyword("ORDER", "BY"):
        while True:
            name = p.name()
            desc = p.keyword("DESC")
            if not desc:
                p.keyword("ASC")
            nulls_last = desc
            if p.keyword("NULLS", "LAST"):
                nulls_last = True
            elif p.keyword("NULLS", "FIRST"):
                nulls_last = False
            select.order.append((name, desc, nulls_last))
            if p.peek.text != ",":
                break
            p.next()
    if p.keyword("LIMIT"):
        tok = p.next()
        if tok.kind != "num":
            raise malformed(f"unexpected token: '{tok.text}'")
        select.limit = int(tok.text)
    if p.keyword("OFFSET"):
        select.offset = int(p.next().text)


# --- SOSL ---------------------------------------------------------------------------------------

SOSL_RESERVED = set("?&|!{}[]()^~*:\\\"'+-")


@dataclass
class Returning:
    sobject: str
    fields: list[str]
    where: Cond | None = None
    order: list[tuple[str, bool, bool]] = field(default_factory=list)
    limit: int | None = None


@dataclass
class Search:
    expr: Any
    """('term', tokens, prefix) | ('and'|'or'|'andnot', left, right)"""
    group: str
    returning: list[Returning]
    limit: int | None
    raw: str


def search_malformed(message: str) -> QueryError:
    return QueryError("MALFORMED_SEARCH", message)


def parse_sosl(text: str) -> Search:
    m = re.match(r"\s*FIND\s*\{", text, re.IGNORECASE)
    if not m:
        raise search_malformed("SOSL statement must begin with FIND {")
    i, items = _find_body(text, m.end())
    raw = text[m.end() : i - 1]
    expr = _search_expr(items, drop_operators=len(raw) > 4000)
    rest = soql_tokens(text[i:])
    p = Parser(rest)
    group = "ALL"
    if p.keyword("IN"):
        group = p.next().text.upper()
        if group not in ("ALL", "NAME", "EMAIL", "PHONE", "SIDEBAR"):
            raise search_malformed(f"unexpected token: {group}")
        p.expect("FIELDS")
    returning: list[Returning] = []
    if p.keyword("RETURNING"):
        while True:
            spec = Returning(p.name(), [])
            if p.peek.text == "(":
                p.next()
                spec.fields.append(p.name())
                while p.peek.text == ",":
                    p.next()
                    spec.fields.append(p.name())
                tail = Select([], [], spec.sobject)
                _tail(p, tail)
                spec.where, spec.order, spec.limit = tail.where, tail.order, tail.limit
                p.expect(")")
            returning.append(spec)
            if p.peek.text != ",":
                break
            p.next()
    limit = None
    if p.keyword("LIMIT"):
        limit = int(p.next().text)
    if p.peek.kind != "end":
        raise search_malformed(f"unexpected token: '{p.peek.text}'")
    return Search(expr, group, returning, limit, raw)


def _find_body(text: str, i: int) -> tuple[int, list[tuple[str, str]]]:
    """Items up to the first unescaped `}`: ('word', text) with escapes resolved, ('phrase',
    text), ('(' / ')'), ('op', AND|OR|NOT). Returns the index after `}`."""
    items: list[tuple[str, str]] = []
    word: list[str] = []

    def flush() -> None:
        if word:
            text_ = "".join(word)
            if text_.upper() in ("AND", "OR", "NOT"):
                items.append(("op", text_.upper()))
            else:
                items.append(("word", text_))
            word.clear()

    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text):
                break
            word.append("\x00" + text[i + 1])  # escaped: literal, never an operator
            i += 2
            continue
        if ch == "}":
            flush()
            return i + 1, [(k, v.replace("\x00", "")) for k, v in items]
        if ch.isspace():
            flush()
        elif ch == '"':
            flush()
            j = i + 1
            phrase: list[str] = []
            while j < len(text) and text[j] != '"':
                if text[j] == "\\" and j + 1 < len(text):
                    phrase.append(text[j + 1])
                    j += 2
                    continue
                if text[j] == "}":
                    raise search_malformed("mismatched character '}'")
                phrase.append(text[j])
                j += 1
            if j >= len(text):
                raise search_malformed("unterminated phrase")
            items.append(("phrase", "".join(phrase)))
            i = j + 1
            continue
        elif ch in "()":
            flush()
            items.append((ch, ch))
        elif ch in "*?":
            word.append(ch)
        elif ch in SOSL_RESERVED:
            raise search_malformed(f"mismatched character '{ch}' expecting '}}'")
        else:
            word.append(ch)
        i += 1
    raise search_malformed("SOSL statement missing closing '}'")


def search_tokens(text: str) -> list[str]:
    """Salesforce's word rule: words are delimited by spaces, punctuation and changes from
    letters to digits (and back); case-insensitive."""
    return [t.casefold() for t in re.findall(r"[^\W\d_]+|\d+", text)]


def _search_expr(items: list[tuple[str, str]], *, drop_operators: bool) -> Any:
    pos = 0

    def term() -> Any:
        nonlocal pos
        if pos >= len(items):
            raise search_malformed("search term must be longer than one character")
        kind, value = items[pos]
        pos += 1
        if kind == "(":
            inner = disjunction()
            if pos >= len(items) or items[pos][0] != ")":
                raise search_malformed("mismatched parentheses")
            pos += 1
            return inner
        if kind not in ("word", "phrase"):
            raise search_malformed(f"unexpected token: {value}")
        prefix = value.endswith("*")
        tokens = search_tokens(value)
        if not tokens or (len("".join(tokens)) < 2 and not prefix):
            raise search_malformed("search term must be longer than one character")
        return ("term", tuple(tokens), prefix)

    def conjunction() -> Any:
        nonlocal pos
        left = term()
        while pos < len(items) and items[pos][0] not in (")",) and items[pos] != ("op", "OR"):
            if items[pos] == ("op", "AND"):
                pos += 1
                if pos < len(items) and items[pos] == ("op", "NOT"):
                    pos += 1
                    left = ("andnot", left, term())
                    continue
            left = ("or" if drop_operators else "and", left, term())
        return left

    def disjunction() -> Any:
        nonlocal pos
        left = conjunction()
        while pos < len(items) and items[pos] == ("op", "OR"):
            pos += 1
            left = ("or", left, conjunction())
        return left

    expr = disjunction()
    if pos != len(items):
        raise search_malformed(f"unexpected token: {items[pos][1]}")
    return expr


def search_matches(expr: Any, token_lists: list[list[str]]) -> bool:
    """Whether an indexed value (its token lists) satisfies the FIND expression."""
    kind = expr[0]
    if kind == "term":
        _, tokens, prefix = expr
        return any(_contains(lst, list(tokens), prefix) for lst in token_lists)
    left = search_matches(expr[1], token_lists)
    right = search_matches(expr[2], token_lists)
    if kind == "and":
        return left and right
    if kind == "andnot":
        return left and not right
    return left or right


def _contains(haystack: list[str], needle: list[str], prefix: bool) -> bool:
    n = len(needle)
    for start in range(len(haystack) - n + 1):
        window = haystack[start : start + n]
        if window[:-1] != needle[:-1]:
            continue
        last = window[-1]
        if last == needle[-1] or (prefix and last.startswith(needle[-1])):
            return True
    return False
