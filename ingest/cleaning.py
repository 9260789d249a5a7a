"""Cleaning: from raw text (OCR'd or extracted) to passages.

:func:`clean` runs, in order:

1. **normalisation**: Unicode NFC, line endings, no-break and soft hyphens;
2. **page furniture**: document symbols (``S/25/5``), ``Page 6``, lone page
   numbers and lines repeated at the top or bottom of many pages are dropped;
3. **footnotes**: a line ``1 Processus consultatif…`` (a number with no
   period, the next footnote number) starts a footnote, which runs until a
   blank line, a new page or the body text resumes; its call in the body
   (``Colombo?`` — OCR'd superscript — ``Colombo¹`` or ``Colombo1``) is removed
   and recorded;
4. **paragraphs**: numbered paragraphs (``7. En ce qui concerne…``, OCR'd
   ``24, Approche…``) are detected in sequence and reassembled across line
   and page breaks; headings (a short line followed by the next numbered
   paragraph) name the section; documents without numbering are split at
   blank lines;
5. **OCR repair** (:func:`repair`): rule-based, per language, each rule
   counted so that a run can report what it changed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

#: Kinds of passage (the values of ``skg:passageKind``).
NUMBERED = "numbered-paragraph"
PARAGRAPH = "paragraph"
FOOTNOTE = "footnote"


@dataclass
class Passage:
    """One paragraph or footnote of a cleaned document."""

    key: str  # "7" for §7, "fn1" for footnote 1, "p3" for the 3rd unnumbered paragraph
    kind: str
    text: str
    order: int
    number: int | None = None
    section: str = ""
    footnotes: list[int] = field(default_factory=list)  # footnotes this passage calls


@dataclass
class CleanDocument:
    """The passages of a document and what cleaning did to get them."""

    title: str
    passages: list[Passage]
    headings: list[str] = field(default_factory=list)
    furniture_removed: int = 0
    repairs: Counter[str] = field(default_factory=Counter)

    def numbered(self) -> list[Passage]:
        return [p for p in self.passages if p.kind == NUMBERED]

    def footnotes(self) -> list[Passage]:
        return [p for p in self.passages if p.kind == FOOTNOTE]

    def passage(self, key: str) -> Passage:
        """The passage keyed ``key`` (``"7"``, ``"fn1"``); KeyError names what exists."""
        for p in self.passages:
            if p.key == key:
                return p
        raise KeyError(f"no passage {key!r}; passages are {[p.key for p in self.passages]}")


# -- 1. normalisation ---------------------------------------------------------------------


def normalise(text: str) -> str:
    """NFC, ``\\n`` line endings, no-break spaces as spaces, soft hyphens and tabs removed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00ad", "").replace("\t", " ")
    text = re.sub(r"[\u00a0\u202f\u2007\u2009]", " ", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


# -- 2. page furniture --------------------------------------------------------------------

_FURNITURE = [
    re.compile(r"^[A-Z]{1,6}(?:/[A-Z0-9.]{1,12}){1,5}$"),  # document symbols: S/25/5, A/RES/73/195
    re.compile(r"^(?:page|p\.|seite|página)\s*\d{1,4}(?:\s*(?:of|de|sur|/)\s*\d{1,4})?$", re.I),
    re.compile(r"^[-–—]?\s*\d{1,4}\s*[-–—]?$"),  # lone page numbers
    re.compile(r"^[ivxlc]{1,6}$"),  # roman page numbers
]


def is_furniture(line: str) -> bool:
    """Whether ``line`` is a running header or footer (symbol, page number)."""
    s = line.strip()
    return bool(s) and any(p.match(s) for p in _FURNITURE)


def _repeated_edges(pages: list[list[str]]) -> set[str]:
    """Lines found at the top or bottom (3 lines) of at least 3 pages and half of them."""
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        body = [x.strip() for x in lines if x.strip()]
        seen.update(set(body[:3] + body[-3:]))
    need = max(3, len(pages) // 2)
    return {line for line, n in seen.items() if n >= need and len(line) < 100}


# -- 3 and 4. footnotes and paragraphs -----------------------------------------------------

_NUMBERED_START = re.compile(r"^\s*(\d{1,3})\s?[.,]\s+(?=\S)")
_ITEM_START = re.compile(r"^\((?:[a-z]{1,2}|[ivx]{1,5}|\d{1,2})\)\s+(?=\S)")
_FOOTNOTE_START = re.compile(r"^\s*(\d{1,2})\s+(?=[A-ZÀ-Ý«\"'(])")
_PAGE = "\f"


@dataclass
class _Line:
    text: str
    page_start: bool = False  # first line of a page (after a form feed or an OCR page marker)


def _lines(text: str, repeated: set[str]) -> tuple[list[_Line], int]:
    """The lines of the body, furniture removed, with page starts marked."""
    out: list[_Line] = []
    removed = 0
    new_page = True
    previous_blank = True
    for page in text.split(_PAGE):
        new_page = True
        for raw in page.split("\n"):
            if is_furniture(raw) or (raw.strip() in repeated):
                removed += 1
                new_page = True
                continue
            if not raw.strip():
                out.append(_Line(""))
                previous_blank = True
                continue
            # OCR'd text marks a page's first line with a leading space
            starts_page = new_page or (raw.startswith(" ") and not previous_blank)
            out.append(_Line(raw.strip(), starts_page))
            new_page = False
            previous_blank = False
    return out, removed


def _sequential_numbers(lines: list[_Line]) -> int:
    """How many numbered paragraph starts 1, 2, 3… appear in sequence."""
    expected = 1
    for line in lines:
        m = _NUMBERED_START.match(line.text)
        if m and int(m.group(1)) == expected:
            expected += 1
    return expected - 1


def _is_heading(text: str) -> bool:
    s = text.strip()
    return (0 < len(s) <= 120 and s[0].isupper() and not s.endswith((",", ";", ":", "-", "—"))
            and not re.search(r"[.!?]$", s) and not _NUMBERED_START.match(s))


def _join(lines: list[str]) -> str:
    """Join wrapped lines: a space between them, a line-end hyphen dropped inside a word."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
        elif re.search(r"[^\W\d_]{2}-$", out) and re.match(r"[a-zà-ÿ]", line) and not re.match(
            r"\w{1,2}['’]", line
        ):
            out = out[:-1] + line  # soft hyphenation: "migra-\ntion"
        else:
            out = out + " " + line
    return re.sub(r"\s{2,}", " ", out).strip()


@dataclass
class _Block:
    kind: str
    lines: list[str]
    number: int | None = None
    section: str = ""


def _split(lines: list[_Line]) -> tuple[str, list[str], list[_Block], list[_Block]]:
    """Title, headings, body blocks and footnote blocks of a document."""
    numbered_mode = _sequential_numbers(lines) >= 3
    blocks: list[_Block] = []
    notes: list[_Block] = []
    headings: list[str] = []
    title_lines: list[str] = []
    current: _Block | None = None
    section = ""
    expected_para = 1
    expected_note = 1
    seen_body = False
    i = 0

    def next_nonblank(j: int) -> str:
        while j < len(lines) and not lines[j].text:
            j += 1
        return lines[j].text if j < len(lines) else ""

    while i < len(lines):
        line = lines[i]
        text = line.text
        if not text:
            if not numbered_mode and current is not None:
                blocks.append(current)
                current = None
            i += 1
            continue
        para = _NUMBERED_START.match(text)
        if numbered_mode and para and int(para.group(1)) == expected_para:
            if current is not None:
                blocks.append(current)
            current = _Block(NUMBERED, [text[para.end():]], int(para.group(1)), section)
            expected_para += 1
            seen_body = True
            i += 1
            continue
        note = _FOOTNOTE_START.match(text)
        if note and seen_body and int(note.group(1)) == expected_note and not para:
            note_lines = [text[note.end():]]
            i += 1
            while i < len(lines):
                nxt = lines[i]
                if not nxt.text or nxt.page_start or _FOOTNOTE_START.match(nxt.text) or \
                        _NUMBERED_START.match(nxt.text):
                    break
                if re.search(r"[.!?]$", note_lines[-1]) and nxt.text[:1].islower():
                    break  # the body text resumes after the note
                note_lines.append(nxt.text)
                i += 1
            notes.append(_Block(FOOTNOTE, note_lines, expected_note, section))
            expected_note += 1
            continue
        nxt_text = next_nonblank(i + 1)
        nxt_para = _NUMBERED_START.match(nxt_text)
        ends_sentence = current is None or re.search(r"[.!?:»)]$", current.lines[-1] or ".")
        if _is_heading(text) and ends_sentence and (
            (numbered_mode and nxt_para and int(nxt_para.group(1)) == expected_para)
            or (not numbered_mode and (i + 1 >= len(lines) or not lines[i + 1].text))
        ):
            if current is not None:
                blocks.append(current)
                current = None
            if numbered_mode and not seen_body and not headings and title_lines == [] and \
                    expected_para == 1 and text.isupper():
                title_lines.append(text)
            else:
                section = text
                headings.append(text)
            i += 1
            continue
        if numbered_mode and not seen_body and current is None and (text.isupper() or title_lines):
            if text.isupper() or (title_lines and title_lines[-1].endswith(":")):
                title_lines.append(text)
                i += 1
                continue
        if not numbered_mode and current is not None and _ITEM_START.match(text):
            blocks.append(current)  # "(a) …", "(b) …": each item its own paragraph
            current = None
        if current is None:
            current = _Block(PARAGRAPH, [text], None, section)
            seen_body = seen_body or not numbered_mode
        else:
            current.lines.append(text)
        i += 1
    if current is not None:
        blocks.append(current)
    return " ".join(title_lines), headings, blocks, notes


# -- footnote calls -----------------------------------------------------------------------

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def _superscript(n: int) -> str:
    return "".join(_SUPERSCRIPTS[int(d)] for d in str(n))


def _take_footnote_call(text: str, n: int, lang: str) -> tuple[str, bool]:
    """Remove the call of footnote ``n`` from ``text`` (first occurrence), if there is one."""
    options = [re.escape(_superscript(n)), rf"(?<=[^\W\d_]{{3}}){n}"]
    if lang == "fr":
        # French puts a space before '?': a '?' glued to a word is an OCR'd superscript
        options.append(r"\?")
    pattern = re.compile(r"(?<=[^\W\d_])(?:" + "|".join(options) + r")(?=[\s,.;:)»]|$)")
    m = pattern.search(text)
    if not m:
        return text, False
    return text[: m.start()] + text[m.end():], True


# -- 5. OCR repair ------------------------------------------------------------------------

# words as OCR misreads them in French → the word (first-letter case is kept)
_FR_WORDS: dict[str, str] = {
    "étre": "être", "méme": "même", "mémes": "mêmes", "prét": "prêt", "préts": "prêts",
    "revét": "revêt", "revétent": "revêtent", "intérét": "intérêt", "intéréts": "intérêts",
    "colt": "coût", "colts": "coûts", "colit": "coût", "colits": "coûts", "colteux": "coûteux",
    "colteuse": "coûteuse", "colteuses": "coûteuses", "di": "dû", "diment": "dûment",
    "matiére": "matière", "matiere": "matière", "matiéres": "matières", "matieres": "matières",
    "systéme": "système", "systeme": "système", "systémes": "systèmes", "systemes": "systèmes",
    "particulierement": "particulièrement", "ministére": "ministère", "ministéres": "ministères",
    "étrangére": "étrangère", "étrangéres": "étrangères", "succés": "succès", "succes": "succès",
    "posséde": "possède", "considére": "considère", "suggére": "suggère", "méne": "mène",
    "maniére": "manière", "maniere": "manière", "particuliére": "particulière",
    "particuliere": "particulière", "carriere": "carrière", "carriéres": "carrières",
    "premiere": "première", "filiere": "filière", "filieres": "filières",
    "réguliere": "régulière", "régulieres": "régulières", "guere": "guère",
    "possedent": "possèdent", "cooperent": "coopèrent", "inserent": "insèrent",
    "compléetes": "complètes", "modeéles": "modèles", "modéles": "modèles", "aprés": "après",
    "apres": "après", "chére": "chère", "chéres": "chères", "réle": "rôle", "réles": "rôles",
    "diplome": "diplôme", "diplomes": "diplômes", "dipldme": "diplôme", "dipldmes": "diplômes",
    "dipléme": "diplôme", "diplémes": "diplômes", "patissent": "pâtissent", "patit": "pâtit",
    "entrainer": "entraîner", "entraine": "entraîne", "connaitre": "connaître",
    "reconnaitre": "reconnaître", "chaine": "chaîne", "chaines": "chaînes", "gue": "que",
    "lls": "Ils", "déja": "déjà", "ceuvre": "œuvre", "ceuvres": "œuvres", "cceur": "cœur",
    "manceuvre": "manœuvre", "sceur": "sœur", "vceu": "vœu", "vceux": "vœux",
    "accés": "accès", "Etat": "État", "Etats": "États", "Etablissement": "Établissement",
}

# phrases with a lost grave accent (or a misread word) → the phrase
_FR_PHRASES: dict[str, str] = {
    "c'est-a-dire": "c'est-à-dire", "a l'échelle": "à l'échelle", "a destination": "à destination",
    "a court terme": "à court terme", "a moyen et a long terme": "à moyen et à long terme",
    "a moyen terme": "à moyen terme", "a long terme": "à long terme", "a savoir": "à savoir",
    "a des fins": "à des fins", "a l'appui": "à l'appui", "a cet égard": "à cet égard",
    "a cette fin": "à cette fin", "a cela": "à cela", "au-dela": "au-delà", "ci-apres": "ci-après",
    "a l'étranger": "à l'étranger", "a partir de": "à partir de", "grace a": "grâce à",
    "quant a": "quant à", "jusqu'a": "jusqu'à", "a la fois": "à la fois", "a travers": "à travers",
    "des la phase": "dès la phase", "du coté": "du côté", "de coté": "de côté",
    "a coté": "à côté", "a I'": "à l'",
}


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    replace: str | Callable[[re.Match[str]], str]


def _case_like(original: str, word: str) -> str:
    return word[0].upper() + word[1:] if original[:1].isupper() else word


def _word_rule(words: dict[str, str]) -> _Rule:
    keys = sorted(words, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w@(])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w@(])",
                         re.IGNORECASE)

    def fix(m: re.Match[str]) -> str:
        found = m.group(1)
        exact = words.get(found)
        if exact is not None:
            return exact
        target = words.get(found.lower()) or words.get(found[0].upper() + found[1:].lower())
        if target is None:
            return found
        if target[0].isupper():
            return target
        return _case_like(found, target)

    return _Rule("misread-word", pattern, fix)


def _phrase_rule(phrases: dict[str, str]) -> _Rule:
    keys = sorted(phrases, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w])",
                         re.IGNORECASE)

    def fix(m: re.Match[str]) -> str:
        found = m.group(1)
        target = phrases.get(found.lower(), found)
        return _case_like(found, target)

    return _Rule("lost-accent-phrase", pattern, fix)


def _sentence_l(m: re.Match[str]) -> str:
    before = m.string[: m.start()].rstrip()
    return "L'" if not before or before[-1] in ".!?" else "l'"


_COMMON_RULES: list[_Rule] = [
    _Rule("typographic-apostrophe", re.compile(r"[\u2019\u2018\u02bc\u00b4`]"), "'"),
    _Rule("doubled-apostrophe", re.compile(r"(?<=\w)['\"]{2,}(?=\w)"), "'"),
    _Rule("space-before-hyphen", re.compile(r"(?<=[^\W\d_]) -(?=[^\W\d_])"), "-"),
    _Rule("dash-spacing", re.compile(r"(?<=\s)([—–])(?=\w)"), r"\1 "),
    _Rule("dash-spacing", re.compile(r"(?<=\w)([—–])(?=[\s,.;:])"), r" \1"),
]

_FR_RULES: list[_Rule] = [
    # I'OIM, |'évolution, I"'automatisation → l'
    _Rule("l-apostrophe", re.compile(r"(?<![\w'])[I|]['\"]+(?=[^\W\d_])"), _sentence_l),
    # de 'aide, et 'Europe → l' (an elided l lost before the apostrophe)
    _Rule("lost-l", re.compile(r"(?<=[\s(«])'(?=[^\W\d_])"), "l'"),
    _Rule("misread-u-circumflex", re.compile(r"(?<![\w])s\(r(?=e?s?\b)"), "sûr"),
    _Rule("misread-u-circumflex", re.compile(r"(?<![\w])d@(?![\w])"), "dû"),
    _word_rule(_FR_WORDS),
    _phrase_rule(_FR_PHRASES),
    _Rule("a-grave-misread", re.compile(
        r"(?<=[^\W\d_] )[3&](?= (?:ce|la|le|les|l'|un|une|des|cet|cette|leur|leurs|tous|toutes)\b)"
    ), "à"),
    # "a" before an infinitive is the preposition: "employée a faciliter", "a se préoccuper"
    _Rule("a-grave-infinitive", re.compile(
        r"(?:(?<=[^\W\d_,] )|(?<=\w, ))a(?= (?:se |s')?[^\W\d_]{2,}(?:er|ir|re)\b)"
    ), "à"),
    _Rule("a-grave-sentence-start", re.compile(r"(?:(?<=^)|(?<=[.!?] ))A(?= [^\W\d_])"), "À"),
]


def repair(text: str, lang: str, counts: Counter[str] | None = None) -> str:
    """Apply the OCR repair rules for ``lang`` to ``text``; count each rule's changes in ``counts``."""
    rules = _COMMON_RULES + (_FR_RULES if lang == "fr" else [])
    for rule in rules:
        n = 0

        def sub(m: re.Match[str], rule: _Rule = rule) -> str:
            nonlocal n
            out = rule.replace(m) if callable(rule.replace) else m.expand(rule.replace)
            if out != m.group(0):
                n += 1
            return out

        text = rule.pattern.sub(sub, text)
        if counts is not None and n:
            counts[rule.name] += n
    return re.sub(r"\s{2,}", " ", text).strip()


# -- the whole cleaning -------------------------------------------------------------------


def clean(raw: str, lang: str, *, ocr_repair: bool = True) -> CleanDocument:
    """Turn the raw text of a document into its passages (see the module docstring)."""
    text = normalise(raw)
    pages = [page.split("\n") for page in text.split(_PAGE)]
    lines, removed = _lines(text, _repeated_edges(pages))
    title, headings, blocks, notes = _split(lines)
    counts: Counter[str] = Counter()

    def fix(s: str) -> str:
        return repair(s, lang, counts) if ocr_repair else re.sub(r"\s{2,}", " ", s).strip()

    passages: list[Passage] = []
    order = 0
    unnumbered = 0
    texts = [_join(b.lines) for b in blocks]
    calls: dict[int, list[int]] = {}
    for note in notes:  # find each footnote's call, in order, in the body
        assert note.number is not None
        for i, body in enumerate(texts):
            texts[i], found = _take_footnote_call(body, note.number, lang)
            if found:
                calls.setdefault(i, []).append(note.number)
                counts["footnote-call"] += 1
                break
    for i, (block, body) in enumerate(zip(blocks, texts, strict=True)):
        body = fix(body)
        if not body:
            continue
        order += 1
        if block.kind == NUMBERED:
            key = str(block.number)
        else:
            unnumbered += 1
            key = f"p{unnumbered}"
        passages.append(Passage(key, block.kind, body, order, block.number,
                                fix(block.section) if block.section else "", calls.get(i, [])))
    for note in notes:
        body = fix(_join(note.lines))
        if body:
            order += 1
            passages.append(Passage(f"fn{note.number}", FOOTNOTE, body, order, note.number,
                                    fix(note.section) if note.section else ""))
    return CleanDocument(
        title=fix(title) if title else "",
        passages=passages,
        headings=[fix(h) for h in headings],
        furniture_removed=removed,
        repairs=counts,
    )
