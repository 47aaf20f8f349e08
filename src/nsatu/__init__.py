"""nsatu: coordination of multinational security assistance.

Layers: ``nsatu.core`` (pure logic) < ``nsatu.db`` (persistence) < the domain packages
(``reference``, ``needs``, ``offers``, ``planning``, ``transfer``, ``demo``) < the entry points
(``nsatu.web``, ``nsatu.cli``). Nothing imports an entry point.
"""

__version__ = "0.1.0"
