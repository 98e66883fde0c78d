"""One record of an export, and how its keys become a Post.

Exports name their fields differently (`text`, `message`, `full_text`, a CSV's "Post" column...).
A record's keys are compared after normalisation (lowercase, runs of other characters -> `_`),
so "Image Alt Text" finds `image_alt_text`. Options name fields explicitly when guessing is wrong.

Error messages built here name keys and positions, never values: a value may be PHI.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from phiguard.models import Post

# A path from a parsed record to one string in it: keys of objects and indexes of lists.
KeyPath = tuple[str | int, ...]

TEXT_NAMES = (
    "text", "full_text", "message", "body", "post", "content", "post_text", "message_text",
    "tweet_text",
)
CAPTION_NAMES = (
    "captions", "caption", "alt_text", "alt", "alt_texts", "image_alt_text", "description",
    "media_description", "image_description", "image_caption", "photo_caption", "media_alt_text",
)
ID_NAMES = ("id", "post_id", "id_str", "tweet_id", "message_id", "uuid", "guid")
CHANNEL_NAMES = ("channel", "network", "social_network", "platform", "service")
DATE_NAMES = (
    "posted_at", "created_at", "published_at", "created_time", "date", "sent_at", "publish_date",
    "date_gmt", "timestamp", "creation_timestamp",
)
# Inline suppression: a record-level key, never text inside the post (that would be published).
ALLOW_NAMES = ("phiguard_allow",)
_KINDS = ("post", "reply", "comment")
_DATE_FORMATS = (
    "%a %b %d %H:%M:%S %z %Y",  # X/Twitter archives
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p", "%m/%d/%Y", "%d %b %Y %H:%M",
)


_NOT_KEY = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)  # an export repeats the same few keys in every record
def normalise_key(key: str) -> str:
    """`"Image Alt Text"` -> `"image_alt_text"`: how field names are compared."""
    return _NOT_KEY.sub("_", key.lower()).strip("_")


@dataclass
class Source:
    """One input file (or stdin) and what is needed to write it back in its own format."""

    name: str
    format: str  # jsonl | json | tweets | csv | text
    # JSON text before the first record and after the last, kept verbatim for rewriting.
    prefix: str = ""
    suffix: str = ""
    indent: int | None = None
    csv_header: list[str] | None = None
    csv_dialect: Any = None
    separator: str = "\n\n"  # between posts of plain text
    records: int = 0
    errors: int = 0


@dataclass
class Record:
    """One record of an export: the post read from it, or why it could not be read."""

    source: Source
    line: int  # 1-based line where the record starts
    number: int  # 1-based position of the record in its source
    post: Post | None = None
    error: str | None = None
    raw: Any = None
    # Post field ("text", "captions[0]") -> where that string is in `raw`.
    paths: dict[str, KeyPath] = field(default_factory=dict)
    # Rule ids the record's `phiguard_allow` key acknowledges (see phiguard.baseline).
    allow: tuple[str, ...] = ()
    # Not a post: the strings beside a JSON file's list of posts, published with them.
    beside_list: bool = False

    @property
    def where(self) -> str:
        """`file:line`, as error messages and the table show it."""
        return f"{self.source.name}:{self.line}"


@dataclass(frozen=True)
class FieldOptions:
    """Explicit field names from the command line; None means auto-detect."""

    text: str | None = None
    captions: tuple[str, ...] = ()
    id: str | None = None
    lines: bool = False  # plain text: one post per line instead of per paragraph


class RecordError(ValueError):
    """A record cannot become a post; the message names keys, never values."""


def _lookup(record: Mapping[str, Any], name: str) -> tuple[KeyPath, Any] | None:
    """Find `name` in a record: exact key, normalised key, or a dotted path into objects."""
    if name in record:
        return (name,), record[name]
    wanted = normalise_key(name)
    for key, value in record.items():
        if isinstance(key, str) and normalise_key(key) == wanted:
            return (key,), value
    if "." in name:
        node: Any = record
        path: list[str | int] = []
        for part in name.split("."):
            if isinstance(node, Mapping) and part in node:
                node = node[part]
                path.append(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
                path.append(int(part))
            else:
                return None
        return tuple(path), node
    return None


def _all_named(record: Mapping[str, Any], names: Sequence[str]) -> list[tuple[KeyPath, Any]]:
    """Every key of `record` whose normalised name is one of `names` (so `text` and `TEXT`
    both), in the order of `names`, then of the record; keys holding null are left out."""
    rank = {name: index for index, name in enumerate(names)}
    keys = [k for k in record if isinstance(k, str) and normalise_key(k) in rank
            and record[k] is not None]
    keys.sort(key=lambda k: rank[normalise_key(k)])  # stable: record order within a name
    return [((k,), record[k]) for k in keys]


def _first(record: Mapping[str, Any], names: Sequence[str]) -> tuple[KeyPath, Any] | None:
    by_norm = {normalise_key(k): k for k in record if isinstance(k, str)}
    for name in names:
        key = by_norm.get(name)
        if key is not None and record[key] is not None:
            return (key,), record[key]
    return None


def parse_date(value: Any) -> datetime | None:
    """An export's date in any common shape, or None: an unreadable date is not an error
    (it only sets the reference for "how old" questions, which default to today)."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value  # milliseconds since the epoch
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isdigit():
        return parse_date(int(text))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _as_text(value: Any, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise RecordError(f"field {key!r} is not text")


def _allow_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part for part in re.split(r"[\s,;]+", value) if part)
    if isinstance(value, list):
        return tuple(str(part).strip() for part in value if str(part).strip())
    return ()


@dataclass
class Mapped:
    """A record turned into Post keys, with where each checked string came from."""

    post: Post
    paths: dict[str, KeyPath]
    allow: tuple[str, ...]


def map_record(record: Mapping[str, Any], options: FieldOptions, *,
               text: tuple[KeyPath, str] | None = None,
               captions: Sequence[tuple[KeyPath, str]] = (),
               defaults: Mapping[str, Any] | None = None, platform: bool = False) -> Mapped:
    """Turn one parsed record into a Post.

    With `platform`, a platform-specific reader (a tweet, a Facebook post) has already found the
    `text`, `captions` and `defaults`, and a record with no text is an empty post (a shared
    link, a check-in). Otherwise every field is found by name, and a record with none of the
    known names is an error. Raises RecordError naming what is missing.
    """
    paths: dict[str, KeyPath] = {}
    values: dict[str, Any] = dict(defaults or {})
    found, more_text = _text_fields(record, options, text if platform else None, platform)
    if found is not None:
        values["text"] = _as_text(found[1], ".".join(map(str, found[0])))
        paths["text"] = found[0]
    if options.captions:
        caption_values = _named_captions(record, options.captions)
    elif platform:
        caption_values = list(captions)
    else:
        caption_values = _found_captions(record, found, more_text)
    if found is None and not caption_values and not options.captions and not platform:
        names = ", ".join(TEXT_NAMES[:6] + CAPTION_NAMES[:4])
        raise RecordError(f"no text field found (looked for {names}, ...); "
                          "name it with --text-field")
    values["captions"] = [value for _, value in caption_values]
    for index, (path, _) in enumerate(caption_values):
        paths[f"captions[{index}]"] = path
    _read_metadata(record, options, values)
    allow = _first(record, ALLOW_NAMES)
    try:
        post = Post.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "post"
        raise RecordError(f"post key {key!r}: {error['msg']}") from None
    return Mapped(post, paths, _allow_list(allow[1]) if allow else ())


Hit = tuple[KeyPath, Any]


def _text_fields(record: Mapping[str, Any], options: FieldOptions, platform_text: Hit | None,
                 platform: bool) -> tuple[Hit | None, list[Hit]]:
    """The post's text field, and every other field that can hold a post's text: those are
    checked too, as extra captions (an export with both `text` and `message` publishes both)."""
    if options.text is not None:
        found = _lookup(record, options.text)
        if found is None:
            raise RecordError(f"no field {options.text!r} (from --text-field)")
        return found, []
    if platform:
        return platform_text, []
    texts = _all_named(record, TEXT_NAMES)
    return (texts[0], texts[1:]) if texts else (None, [])


def _named_captions(record: Mapping[str, Any], names: Sequence[str]) -> list[tuple[KeyPath, str]]:
    out: list[tuple[KeyPath, str]] = []
    for name in names:
        hit = _lookup(record, name)
        if hit is None:
            raise RecordError(f"no field {name!r} (from --caption-field)")
        out.extend(_caption_strings(hit))
    return out


def _found_captions(record: Mapping[str, Any], text: Hit | None,
                    more_text: list[Hit]) -> list[tuple[KeyPath, str]]:
    out: list[tuple[KeyPath, str]] = []
    for hit in _all_named(record, CAPTION_NAMES):
        if text is None or text[0] != hit[0]:
            out.extend(_caption_strings(hit))
    for hit in more_text:  # text only: a `post` object or a `content` list of parts is not
        if isinstance(hit[1], str) or (isinstance(hit[1], list) and all(
                isinstance(item, str | None) for item in hit[1])):
            out.extend(_caption_strings(hit))
    return out


def _read_metadata(record: Mapping[str, Any], options: FieldOptions,
                   values: dict[str, Any]) -> None:
    """The id, channel, date, kind and reply target, unless a platform reader set them."""
    if options.id is not None:
        hit = _lookup(record, options.id)
        if hit is None:
            raise RecordError(f"no field {options.id!r} (from --id-field)")
        values["id"] = _id(hit[1])
    elif "id" not in values:
        hit = _first(record, ID_NAMES)
        values["id"] = _id(hit[1]) if hit else None
    if "channel" not in values:
        hit = _first(record, CHANNEL_NAMES)
        values["channel"] = hit[1] if hit and isinstance(hit[1], str) else None
    if "posted_at" not in values:
        hit = _first(record, DATE_NAMES)
        values["posted_at"] = parse_date(hit[1]) if hit else None
    kind = record.get("kind")
    if "kind" not in values and kind in _KINDS:
        values["kind"] = kind
    reply = record.get("in_reply_to")
    if "in_reply_to" not in values and isinstance(reply, str):
        values["in_reply_to"] = reply


def _id(value: Any) -> str | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, str | int | float):
        return str(value)
    raise RecordError("the id field is not a string or number")


def _caption_strings(hit: tuple[KeyPath, Any]) -> list[tuple[KeyPath, str]]:
    path, value = hit
    if value is None:
        return []
    if isinstance(value, str):
        return [(path, value)] if value else []
    if isinstance(value, list):
        out = []
        for index, item in enumerate(value):
            if item is None:
                continue
            if not isinstance(item, str):
                raise RecordError(f"field {'.'.join(map(str, path))}[{index}] is not text")
            out.append(((*path, index), item))
        return out
    raise RecordError(f"field {'.'.join(map(str, path))!r} is not text")
