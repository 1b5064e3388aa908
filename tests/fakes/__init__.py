"""Fakes for remote boundaries only, each speaking the real wire protocol on 127.0.0.1."""
