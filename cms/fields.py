"""Form and model fields that let administrators edit lists without writing JSON."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class LinesFormField(forms.CharField):
    """A textarea where each non-empty line is one item of a list of strings."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, *args: Any, split_commas: bool = False, **kwargs: Any) -> None:
        self.split_commas = split_commas
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value or ""

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            items = [str(v) for v in value]
        else:
            text = super().to_python(value) or ""
            if self.split_commas:
                for separator in (",", "，", "、", ";", "；"):
                    text = text.replace(separator, "\n")
            items = text.splitlines()
        cleaned: list[str] = []
        for item in items:
            item = item.strip()
            if item and item not in cleaned:
                cleaned.append(item)
        return cleaned

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial or []) != self.to_python(data)


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Stores Chinese as text, not ``\\uXXXX`` escapes, so that database substring search finds it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class LinesField(models.JSONField):
    """A list of short texts (keywords, materials, steps), stored as JSON, edited one per line.

    With ``split_commas`` the admin may also separate items with commas, as with tags.
    """

    def __init__(self, *args: Any, split_commas: bool = False, **kwargs: Any) -> None:
        self.split_commas = split_commas
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("encoder", UnicodeJSONEncoder)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> forms.Field:
        defaults = {"required": not self.blank, "split_commas": self.split_commas}
        defaults.update(kwargs)
        return models.Field.formfield(self, form_class=LinesFormField, **defaults)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.split_commas:
            kwargs["split_commas"] = True
        return name, path, args, kwargs
