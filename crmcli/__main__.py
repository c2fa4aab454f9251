"""`python -m crmcli` runs the crm command."""

from crmcli.cli.app import main

main()
