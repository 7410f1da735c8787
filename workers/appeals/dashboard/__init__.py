"""The 专班看板 (issue 13): the figures of spec §14 live, for the office, its director, the deputy county
heads, the county head and supervision; departments are refused. See docs/dashboard.md.

- access.py: the Tasklist login checked by the engine; who is admitted; which departments a deputy oversees
- board.py: the page's numbers from ledger/figures.py (the same as `appeals report`), the .xlsx export
- app.py: the Flask application; cli.py: `appeals dashboard serve`
"""
