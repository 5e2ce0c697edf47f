"""Share links for the pages: the model's (``model.workflows.share``), so the workbench and
``python -m model case share`` / ``case open-link`` read and write the same links."""

from model import VIEW_PARAM, Screen, one_each, query_params, read_link, share_link

__all__ = ["VIEW_PARAM", "Screen", "one_each", "query_params", "read_link", "share_link"]
