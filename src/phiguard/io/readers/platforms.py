"""One parsed record -> Record: an archived tweet, a Facebook or Instagram post, or a plain
object whose fields are found by name (phiguard.io.records.map_record)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from phiguard.io.records import (
    FieldOptions,
    KeyPath,
    Record,
    RecordError,
    Source,
    map_record,
    parse_date,
)
from phiguard.models import Post


def to_record(value: Any, source: Source, line: int, number: int,
              options: FieldOptions) -> Record:
    """A parsed JSON value (or CSV row) as a Record: its post, or why it has none."""
    if not isinstance(value, dict):
        return Record(source, line, number,
                      error=f"a record must be a JSON object, not {_json_type(value)}")
    try:
        mapped = _map(value, source, options)
    except RecordError as exc:
        return Record(source, line, number, error=str(exc), raw=value)
    return Record(source, line, number, post=mapped.post, raw=value, paths=mapped.paths,
                  allow=mapped.allow)


def beside_record(strings: Sequence[tuple[KeyPath, str]], source: Source, line: int,
                  number: int, where: Any) -> Record:
    """The strings beside a JSON file's list of posts, as one record to check; `where` says
    where they are in the source's prefix or suffix, for writing them back."""
    post = Post(text=strings[0][1], captions=tuple(value for _, value in strings[1:]))
    paths = {"text": strings[0][0]}
    paths.update({f"captions[{i}]": path for i, (path, _) in enumerate(strings[1:])})
    return Record(source, line, number, post=post, paths=paths, raw=where, beside_list=True)


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _map(value: dict[str, Any], source: Source, options: FieldOptions) -> Any:
    tweet = value.get("tweet")
    if isinstance(tweet, dict):
        return _map_tweet(value, tweet, ("tweet",), options)
    if source.format == "tweets" and ("full_text" in value or "id_str" in value):
        return _map_tweet(value, value, (), options)
    data, attachments = value.get("data"), value.get("attachments")
    if (isinstance(data, list) and any(isinstance(d, dict) and "post" in d for d in data)) or (
            "timestamp" in value and (isinstance(attachments, list) or isinstance(data, list))):
        return _map_facebook(value, options)
    media = value.get("media")
    if isinstance(media, list) and media and all(
            isinstance(m, dict) and "uri" in m for m in media):
        return _map_instagram(value, options)
    return map_record(value, options)


def _map_tweet(value: dict[str, Any], tweet: Mapping[str, Any], prefix: KeyPath,
               options: FieldOptions) -> Any:
    key = "full_text" if "full_text" in tweet else "text"
    text_value = tweet.get(key)
    text = ((*prefix, key), text_value) if isinstance(text_value, str) else None
    captions: list[tuple[KeyPath, str]] = []
    for entities in ("extended_entities", "entities"):
        media = tweet.get(entities, {}).get("media") if isinstance(
            tweet.get(entities), dict) else None
        for index, item in enumerate(media if isinstance(media, list) else []):
            alt = item.get("ext_alt_text") if isinstance(item, dict) else None
            if isinstance(alt, str) and alt:
                captions.append(((*prefix, entities, "media", index, "ext_alt_text"), alt))
        if captions:
            break
    reply = tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")
    defaults = {
        "id": str(tweet.get("id_str") or tweet.get("id") or "") or None,
        "posted_at": parse_date(tweet.get("created_at")),
        "channel": "x",
        "kind": "reply" if reply else "post",
    }
    return map_record(value, options, text=text, captions=captions, defaults=defaults,
                      platform=True)


def _unmojibake(text: str) -> str:
    """Facebook's exports write UTF-8 bytes as \\u00XX escapes ("cafÃ©"); undo that."""
    if not any("\x80" <= ch <= "\xff" for ch in text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _fix_strings(value: Any) -> Any:
    if isinstance(value, str):
        return _unmojibake(value)
    if isinstance(value, list):
        return [_fix_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _fix_strings(v) for k, v in value.items()}
    return value


def _map_facebook(value: dict[str, Any], options: FieldOptions) -> Any:
    value.update(_fix_strings(value))
    texts: list[tuple[KeyPath, str]] = []
    for index, item in enumerate(value.get("data") or []):
        if isinstance(item, dict) and isinstance(item.get("post"), str):
            texts.append((("data", index, "post"), item["post"]))
    captions = texts[1:]
    for a_index, attachment in enumerate(value.get("attachments") or []):
        items = attachment.get("data") if isinstance(attachment, dict) else None
        for d_index, item in enumerate(items if isinstance(items, list) else []):
            media = item.get("media") if isinstance(item, dict) else None
            if isinstance(media, dict) and isinstance(media.get("description"), str):
                captions.append((("attachments", a_index, "data", d_index, "media",
                                  "description"), media["description"]))
    timestamp = value.get("timestamp")
    defaults = {
        "id": f"fb-{timestamp}" if isinstance(timestamp, int) else None,
        "posted_at": parse_date(timestamp),
        "channel": "facebook",
    }
    return map_record(value, options, text=texts[0] if texts else None, captions=captions,
                      defaults=defaults, platform=True)


def _map_instagram(value: dict[str, Any], options: FieldOptions) -> Any:
    value.update(_fix_strings(value))
    text: tuple[KeyPath, str] | None = None
    if isinstance(value.get("title"), str) and value["title"]:
        text = (("title",), value["title"])
    captions: list[tuple[KeyPath, str]] = []
    for index, item in enumerate(value["media"]):
        title = item.get("title")
        if not isinstance(title, str) or not title:
            continue
        if text is None:
            text = (("media", index, "title"), title)
        elif title != text[1]:
            captions.append((("media", index, "title"), title))
    timestamp = value.get("creation_timestamp") or value["media"][0].get("creation_timestamp")
    defaults = {
        "id": f"ig-{timestamp}" if isinstance(timestamp, int) else None,
        "posted_at": parse_date(timestamp),
        "channel": "instagram",
    }
    return map_record(value, options, text=text, captions=captions, defaults=defaults,
                      platform=True)
