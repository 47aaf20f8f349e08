"""``python -m nsatu`` is the ``nsatu`` command."""

from nsatu.cli import main

main()
