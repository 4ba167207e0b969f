"""The course generator: builds the ReLU course's site, editions and expected outputs.

`python -m coursegen --help` lists its commands; the Makefile provisions the
environments and calls them. Its Sphinx extensions live in `coursegen.sphinx`.
"""
