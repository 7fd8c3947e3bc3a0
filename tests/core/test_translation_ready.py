"""The interface is ready for translation (issue 14): every visible word in a template sits inside
{% translate %} / {% blocktranslate %} (or a _("...") literal), and the user-visible strings of the
Python side (form labels, help texts, error messages, messages.* calls) go through gettext.

Enumerated on purpose: the templates directory and the apps' forms modules are walked, so a new
template or form is covered without touching this file, and fails here until it is translatable.
No database needed: templates are compiled, never rendered.
"""

from __future__ import annotations

import ast
import gettext as gettext_module
import importlib
import re
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.template import Engine, engines
from django.template.base import TextNode, VariableNode
from django.template.loader_tags import IncludeNode
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils.functional import Promise

from crms.core import po

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"

# Tokens that are not language: identifiers of the EU customs domain, written the same in every
# official language (they name registered codes and documents), and the product's short name.
NOT_LANGUAGE = {
    "EORI",  # Economic Operators Registration and Identification number (EU-wide identifier)
    "MRN",  # Movement Reference Number of a declaration
    "LRN",  # Local Reference Number given by the filer
    "ENS",  # Entry Summary Declaration (ICS2 message name)
    "HS",  # Harmonized System (WCO nomenclature)
    "EUR",  # ISO 4217 currency code
    "CRMS",  # the product's short name (brand)
}

# Templates still to be wrapped, each with the reason. The lead empties this list; a template
# listed here that has become fully translatable fails, so the list cannot go stale.
KNOWN: dict[str, str] = {}

ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|\w+);")
WORD = re.compile(r"[^\W\d_]{2,}")  # two letters or more: single letters are keys (j/k) or units
GAP = "\x00"  # stands for a variable or tag between two text nodes
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
RAW_ELEMENT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
TAG = re.compile(r"</?[a-zA-Z!][^>]*>", re.S)
OPTION = re.compile(r"<option\b[^>]*>(.*?)</option\s*>", re.S | re.I)
READABLE_ATTRIBUTE = re.compile(r"""\b(title|placeholder|aria-label|alt)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
# Filters whose literal argument is shown to people, and include keywords that carry visible text.
TEXT_FILTERS = ("default", "default_if_none", "yesno")
TEXT_FILTER_LITERAL = re.compile(r"\|\s*(" + "|".join(TEXT_FILTERS) + r""")\s*:\s*(["'])(.*?)\2""")
INCLUDE_TEXT_LITERAL = re.compile(r"""\b(title|label|heading|caption)=(["'])(.*?)\2""")


def words(text: str) -> list[str]:
    """The human words of a piece of template text: entities, numbers, punctuation and the
    not-language tokens removed."""
    text = ENTITY.sub(" ", text.replace(GAP, " "))
    return [word for word in WORD.findall(text) if word not in NOT_LANGUAGE]


def _engine() -> Engine:
    # debug=True: the lexer keeps each token's position, which orders the text nodes.
    configured = engines["django"].engine
    return Engine(dirs=configured.dirs, app_dirs=True, debug=True, libraries=configured.libraries)


def _template_names() -> list[str]:
    return sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html"))


def untranslated(name: str, engine: Engine | None = None) -> list[str]:
    """Every place in a template where visible words are not translated, as readable lines."""
    template = (engine or _engine()).get_template(name)
    nodelist = template.template.nodelist if hasattr(template, "template") else template.nodelist
    # Text nodes never include what sits inside {% translate %} / {% blocktranslate %} (those
    # keep their own tokens), nor {% comment %}: what is left is what would be shown untranslated.
    texts = sorted(nodelist.get_nodes_by_type(TextNode), key=lambda node: node.token.position[0])
    source = GAP.join(node.s for node in texts)
    source = RAW_ELEMENT.sub(GAP, HTML_COMMENT.sub(GAP, source))
    problems = []
    for tag in TAG.findall(source):
        for attribute, double, single in READABLE_ATTRIBUTE.findall(tag):
            if found := words(double or single):
                problems.append(f"{attribute}= {(double or single)!r} ({' '.join(found)})")
    for option in OPTION.findall(source):
        if found := words(TAG.sub(GAP, option)):
            problems.append(f"<option> text {option.strip()!r} ({' '.join(found)})")
    for run in TAG.sub(GAP, OPTION.sub(GAP, source)).split(GAP):
        if found := words(run):
            problems.append(f"text {' '.join(run.split())!r}")
    for node in nodelist.get_nodes_by_type(VariableNode):
        for _, _, literal in TEXT_FILTER_LITERAL.findall(node.token.contents):
            if words(literal):
                problems.append(f'filter literal {literal!r} in {{{{ {node.token.contents} }}}}: use _("...")')
    for node in nodelist.get_nodes_by_type(IncludeNode):
        for key, _, literal in INCLUDE_TEXT_LITERAL.findall(node.token.contents):
            if words(literal):
                problems.append(f'include {key}={literal!r}: use _("...")')
    return problems


@pytest.mark.parametrize("name", _template_names())
def test_every_visible_word_of_a_template_is_translatable(name):
    problems = untranslated(name)
    if name in KNOWN:
        assert problems, f"{name} is translatable now: take it off KNOWN"
        pytest.skip(f"known, to be wrapped: {KNOWN[name]}")
    assert not problems, f"templates/{name} shows words outside {{% translate %}}:\n  " + "\n  ".join(problems)


def test_the_checker_finds_what_it_must(tmp_path):
    """The checker itself: each kind of untranslated text is found, translated text is not."""
    (tmp_path / "bad.html").write_text(
        '<p title="Open it">Hello {{ name }}</p><option>First</option><img alt="A photo">'
        '<input placeholder="Type here" aria-label="Search">{{ x|default:"not set" }}'
        '{% include "good.html" with title="Some title" %}'
    )
    (tmp_path / "good.html").write_text(
        '{% load i18n %}<p title="{% translate "Open it" %}">{% blocktranslate with n=name %}Hello {{ n }}'
        '{% endblocktranslate %}</p><code>EORI</code> <kbd>j</kbd> 1 200,50 &nbsp;&mdash; {{ x|default:_("not set") }}'
        "<script>const words = 'not shown';</script><!-- a comment -->{# note #}"
        '{% include "good.html" with title=_("Some title") %}'
    )
    engine = Engine(dirs=[str(tmp_path)], debug=True, libraries=engines["django"].engine.libraries)
    bad = "\n".join(untranslated("bad.html", engine))
    for expected in (
        "title=",
        "Hello",
        "<option> text",
        "alt=",
        "placeholder=",
        "aria-label=",
        "not set",
        "Some title",
    ):
        assert expected in bad, expected
    assert untranslated("good.html", engine) == []


# --- Python side ---------------------------------------------------------------------------

LOCAL_APPS = [
    config
    for config in apps.get_app_configs()
    if Path(config.path).is_relative_to(ROOT) and ".venv" not in Path(config.path).relative_to(ROOT).parts
]


def _forms_modules() -> list[str]:
    """Every module of a local app whose name ends in "forms" (forms.py, case_forms.py, ...)."""
    names = []
    for config in LOCAL_APPS:
        for path in Path(config.path).rglob("*forms.py"):
            if "migrations" in path.parts:
                continue
            names.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return sorted(names)


def _form_classes() -> list[type[forms.BaseForm]]:
    found = []
    for module_name in _forms_modules():
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module_name:
                found.append(value)
    return found


def test_there_are_forms_to_check():
    assert len(_form_classes()) >= 10, [form.__name__ for form in _form_classes()]


@pytest.mark.parametrize("form_class", _form_classes(), ids=lambda form: f"{form.__module__}.{form.__name__}")
def test_form_labels_help_texts_and_error_messages_are_lazy_translations(form_class):
    problems = []
    # Fields inherited as they are from Django's own forms (the login's username) are Django's to translate.
    django_fields = {
        id(field)
        for base in form_class.__mro__
        if base.__module__.startswith("django.")
        for field in getattr(base, "base_fields", {}).values()
    }
    for name, field in form_class.base_fields.items():
        if id(field) in django_fields:
            continue
        if not isinstance(field.label, Promise):
            problems.append(f"{name}: label {field.label!r} (give label=_(...))")
        if field.help_text and not isinstance(field.help_text, Promise):
            problems.append(f"{name}: help_text {field.help_text!r}")
        for code, message in field.error_messages.items():
            if not isinstance(message, Promise):
                problems.append(f"{name}: error message {code!r} = {message!r}")
    for code, message in getattr(form_class, "error_messages", {}).items():
        if not isinstance(message, Promise):
            problems.append(f"form error message {code!r} = {message!r}")
    assert not problems, f"{form_class.__name__}: " + "; ".join(problems)


GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy", "npgettext"}
TEXT_DICTS = {"labels", "help_texts", "error_messages"}  # ModelForm Meta and form-level messages
MESSAGE_FUNCTIONS = {"debug", "info", "success", "warning", "error"}


def _is_plain_text(node: ast.expr) -> bool:
    """A literal the reader sees as it is written: a str constant, an f-string, "...".format()
    or "..." % (...). A gettext call, a name or an attribute passes (the call site wraps it)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.Constant) and WORD.search(part.value) for part in node.values)
    if isinstance(node, ast.BinOp):
        return _is_plain_text(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _is_plain_text(node.func.value)
    return False


def _python_files() -> list[Path]:
    files = []
    for config in LOCAL_APPS:
        files.extend(p for p in Path(config.path).rglob("*.py") if "migrations" not in p.parts)
    return sorted(set(files))


def _plain_texts(path: Path) -> list[str]:
    """messages.*(request, text) anywhere; in forms modules also ValidationError(text),
    add_error(field, text) and text assigned to a field's label / help_text / empty_label."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_forms = path.name.endswith("forms.py")
    found = []
    for node in ast.walk(tree):
        candidates: list[ast.expr] = []
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
            if owner == "messages" and name in MESSAGE_FUNCTIONS and len(node.args) >= 2:
                candidates.append(node.args[1])
            if is_forms and name == "ValidationError" and node.args:
                candidates.append(node.args[0])
            if is_forms and name == "add_error" and len(node.args) >= 2:
                candidates.append(node.args[1])
            if is_forms:
                candidates.extend(
                    keyword.value for keyword in node.keywords if keyword.arg in ("label", "help_text", "empty_label")
                )
            if is_forms:
                candidates.extend(
                    value
                    for keyword in node.keywords
                    if keyword.arg == "error_messages" and isinstance(keyword.value, ast.Dict)
                    for value in keyword.value.values
                )
        if is_forms and isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in ("label", "help_text", "empty_label"):
                    candidates.append(node.value)
                if isinstance(target, ast.Name) and target.id in TEXT_DICTS and isinstance(node.value, ast.Dict):
                    candidates.extend(value for value in node.value.values if value is not None)
        if is_forms and isinstance(node, ast.Dict):
            # widget attributes people read
            candidates.extend(
                value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and key.value in ("placeholder", "title", "aria-label")
            )
        found.extend(
            f"{path.relative_to(ROOT)}:{c.lineno}: {ast.unparse(c)[:90]}" for c in candidates if _is_plain_text(c)
        )
    return found


def test_python_side_messages_and_form_texts_go_through_gettext():
    problems = [line for path in _python_files() for line in _plain_texts(path)]
    assert not problems, "user-visible text outside gettext:\n  " + "\n  ".join(problems)


# --- The English catalogue -----------------------------------------------------------------

CATALOGUE = ROOT / "locale" / "en_GB" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")


def _catalogue() -> list[po.Entry]:
    return [entry for entry in po.parse(CATALOGUE.read_text(encoding="utf-8")) if not entry.obsolete]


def _msgids() -> set[str]:
    return {entry.text(key) for entry in _catalogue() for key in ("msgid", "msgid_plural") if key in entry.keywords}


def test_the_english_catalogue_is_complete_and_nothing_is_fuzzy():
    entries = _catalogue()
    assert len(entries) > 500  # the interface's messages, not an empty file
    problems = [
        entry.text("msgid")
        for entry in entries
        if entry.fuzzy or (entry.text("msgid") and not all(entry.translations()))
    ]
    assert not problems, "untranslated or fuzzy (run python -m crms.core.po, then compilemessages):\n  " + "\n  ".join(
        problems
    )


def test_the_compiled_catalogue_is_the_catalogue():
    """django.mo is committed (a newcomer has no msgfmt): it must say what django.po says."""
    with COMPILED.open("rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)
    stale = []
    for entry in _catalogue():
        msgid, context = entry.text("msgid"), entry.text("msgctxt")
        if not msgid:
            continue
        if "msgid_plural" in entry.keywords:
            plural = entry.text("msgid_plural")
            got = [compiled.ngettext(msgid, plural, 1), compiled.ngettext(msgid, plural, 2)]
            if context is not None:
                got = [compiled.npgettext(context, msgid, plural, 1), compiled.npgettext(context, msgid, plural, 2)]
        else:
            got = [compiled.pgettext(context, msgid) if context is not None else compiled.gettext(msgid)]
        if got != entry.translations():
            stale.append(msgid)
    assert not stale, "django.mo is older than django.po: run compilemessages:\n  " + "\n  ".join(stale[:20])


def _template_messages() -> set[str]:
    engine = _engine()
    found = set()
    for name in _template_names():
        nodelist = engine.get_template(name).nodelist
        for node in nodelist.get_nodes_by_type(TranslateNode):
            literal = getattr(node.filter_expression.var, "literal", None)
            if isinstance(literal, str):
                found.add(str(literal).replace("%", "%%"))  # as the tag looks it up (and makemessages writes it)
        for node in nodelist.get_nodes_by_type(BlockTranslateNode):
            found.add(node.render_token_list(node.singular)[0])
            if node.plural:
                found.add(node.render_token_list(node.plural)[0])
        for node in nodelist.get_nodes_by_type(VariableNode):
            found.update(literal for _, _, literal in TRANSLATED_LITERAL.findall(node.token.contents))
        for node in nodelist.get_nodes_by_type(IncludeNode):
            found.update(literal for _, _, literal in TRANSLATED_LITERAL.findall(node.token.contents))
    return found


TRANSLATED_LITERAL = re.compile(r"""(\b|\|)_\((["'])(.*?)\2\)""")


def _python_messages() -> set[str]:
    found = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in GETTEXT:
                found.update(
                    arg.value for arg in node.args[:2] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                )
    return found


def test_the_catalogue_knows_every_message_of_the_templates_and_the_code():
    """A new or changed message needs makemessages (+ python -m crms.core.po + compilemessages)."""
    missing = sorted((_template_messages() | _python_messages()) - _msgids())
    assert not missing, "not in locale/en_GB/LC_MESSAGES/django.po (see README, Translating):\n  " + "\n  ".join(
        missing[:30]
    )
