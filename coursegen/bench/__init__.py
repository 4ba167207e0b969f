"""Benchmarks, not tests: `make bench` (report.py) and `make bench-site` (site.py).

`make bench` times what importing relu_course costs (imports.py), two pairs of
ways raced (races.py, with the ways in ways.py), and the book's builds and
`make test` (builds.py); rows.py formats the table's rows. `make bench-site`
measures the built site as readers get it (Lighthouse, weight, offline).
"""
