"""taiyaku (対訳): a Japanese–English translation memory and glossary.

The repository's top-level folders are this package's subpackages once installed
(``taiyaku.tm``, ``taiyaku.glossary``, ``taiyaku.exports``; ``taiyaku.cli`` is the command
line): ``pyproject.toml`` maps the package ``taiyaku`` onto the repository root, so nothing
else lands in site-packages.
"""
