"""The course's Sphinx extensions, one job each, named in _config.yml."""
