"""Query serializers with a time range, sent as ``from`` and ``to``."""

from __future__ import annotations

from typing import Any

from llmops.restapi.strict import StrictInputSerializer


class TimeRangeQuery(StrictInputSerializer):
    """Accepts the time range start as ``from`` on the wire (a Python keyword, so the field is
    ``start_from``)."""

    def to_internal_value(self, data: Any) -> Any:
        data = dict(data.dict() if hasattr(data, "dict") else data)
        if "from" in data:
            data["start_from"] = data.pop("from")
        return super().to_internal_value(data)
