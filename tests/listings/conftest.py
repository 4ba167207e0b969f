"""The listings are the articles' code as printed, not modules: pytest's
--doctest-modules must not import them (that would run them, and most fail).
tests/test_article_listings.py runs them, through runner.py."""

collect_ignore_glob = ["*-*.py"]
