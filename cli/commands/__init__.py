"""The `samverkan` commands, one module per domain; `samverkan.cli.main` adds them to the root group.

Click's own words are made Swedish here, before any command is built: some (the kind a click.Path names in
its errors) are looked up when the parameter is created, not when it is used."""

from samverkan.cli import swedish

swedish.install()
