"""Browser tests: the Chromium fixtures (``chromium``, ``page``, ``screenshot``) live in
``tests/browser_support.py``, shared with the security tests; ``login`` is re-exported for the tests here."""

from tests.browser_support import ARTIFACTS, CHROMIUM, login

__all__ = ["ARTIFACTS", "CHROMIUM", "login"]
