"""`mlgate update`: a generated project follows its template as the template moves on.

apply.py brings the template's changes since the commit .cruft.json records (cruft's three-way
update), describe.py says what happened (terminal and pull request), adopt.py finds the commit
and answers of a project that has no record yet, command.py is the command line.
"""
