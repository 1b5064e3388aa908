"""The Warden: spam, scam and flood moderation for every room.

The detection engine lives here as plain classes with no platform, store or dispatcher import:
``engine.WardenEngine`` assesses a :class:`bot.message.Message` into an ``Assessment`` (score,
hits, severity) and ``ladder.Ladder`` turns severities into actions per user. ``outbound`` checks
persona text before it is sent. The cog wrapper (!commands, stored verdicts) builds on these.
"""
