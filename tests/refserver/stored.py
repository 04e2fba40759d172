"""The stored side of the Responses API as OpenAI documents it, with switches for real faults.

:class:`StoredRefServer` extends :class:`refserver.responses_features.ResponsesRefServer` (its full
``POST /v1/responses``) with what a response can refer to: conversations and their items, files,
vector stores with attributes and the ``file_search`` tool, prompt templates (made through a
``POST /v1/prompts`` of the kind OGX offers, since OpenAI makes them only in its dashboard),
``POST /v1/responses/compact`` with ``compaction`` items, ``context_management``, and stored
responses with their input items. Every route not named here behaves as in
:mod:`refserver.server`. Each switch in :data:`FAULTS` turns one behaviour off or wrong the way a
real server gets it.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import io
import itertools
import json
import threading
import time
from collections.abc import Iterable
from http.server import ThreadingHTTPServer
from typing import Any

from refserver.fakemodel import count_tokens
from refserver.responses_features import ResponsesHandler, ResponsesRefServer
from refserver.server import ApiError

FAULTS: dict[str, str] = {
    "conversation_ignored": "`conversation` is accepted, but its items are neither read nor added to",
    "conversation_not_stored": "a turn made in a conversation is read but not added to it",
    "stream_not_stored": "a streamed turn is not added to its conversation",
    "content_as_string": "conversation message items carry `content` as a bare string (OGX)",
    "unknown_conversation_400": "an unknown conversation id is refused with 400 `Invalid value` (OGX)",
    "previous_with_conversation": "`conversation` with `previous_response_id` is accepted",
    "no_prompts_route": "there is no route to create a prompt template (OpenAI's own API)",
    "prompt_ignored": "`prompt` is accepted but the template is not applied",
    "prompt_not_echoed": "responses report `prompt: null`",
    "variables_ignored": "prompt variables are not substituted",
    "version_ignored": "`prompt.version` is ignored: the latest version is always used",
    "filters_ignored": "file search `filters` are accepted but not applied",
    "no_results": "`include: [file_search_call.results]` is accepted, but results stay null",
    "never_search": "the model never calls file_search (a model's choice, not the server's)",
    "no_search_events": "streamed file searches have no `response.file_search_call.*` events",
    "text_format_not_echoed": "responses do not report `text.format` back",
    "no_compaction_item": "compactions hold no `compaction` item",
    "compact_keeps_tools": "compactions keep function calls and their outputs",
    "compaction_input_refused": "a `compaction` item in the input is refused with 400",
    "input_items_show_compaction": "input items list the compaction item",
    "compaction_not_stored": "a compaction cannot be read back with GET /v1/responses/{id}",
    "compact_slow": "a compaction takes three seconds (a model that does not stop)",
    "context_management_ignored": "`context_management` is accepted but never compacts",
}

_ids = itertools.count(1)


def _new(prefix: str) -> str:
    return f"{prefix}_{next(_ids):08d}ref"


class StoredRefServer(ResponsesRefServer):
    """The Responses reference with stored objects; ``faults`` switch behaviours off."""

    def __init__(self, *, api_key: str | None = None, faults: Iterable[str] = ()) -> None:
        super().__init__(api_key=api_key)
        self.faults = set(faults)
        unknown = self.faults - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault switches: {sorted(unknown)}")
        self.conversations: dict[str, dict[str, Any]] = {}
        self.items: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.stores: dict[str, dict[str, Any]] = {}
        self.prompts: dict[str, list[dict[str, Any]]] = {}
        self.inputs: dict[str, list[dict[str, Any]]] = {}
        self.compactions: dict[str, dict[str, Any]] = {}

    def faulty(self, fault: str) -> bool:
        """Whether a fault switch is on."""
        return fault in self.faults

    def __enter__(self) -> StoredRefServer:
        handler = type("BoundStoredHandler", (StoredHandler,), {"ref": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self


_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _match(attributes: dict[str, Any], rule: dict[str, Any]) -> bool:
    if rule.get("type") in ("and", "or"):
        combine = all if rule["type"] == "and" else any
        return combine(_match(attributes, sub) for sub in rule.get("filters") or [])
    key = rule.get("key")
    return key in attributes and _COMPARE[rule["type"]](attributes[key], rule.get("value"))


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return " ".join(str(p.get("text", "")) for p in content or [] if isinstance(p, dict))


def _message(role: str, text: str) -> dict[str, Any]:
    """A stored message item as OpenAI lists it: content as a list of typed parts."""
    kind = "output_text" if role == "assistant" else "input_text"
    part: dict[str, Any] = {"type": kind, "text": text}
    if kind == "output_text":
        part["annotations"] = []
    return {"type": "message", "id": _new("msg"), "role": role, "status": "completed", "content": [part]}


class StoredHandler(ResponsesHandler):
    """The Responses handler with the stored routes; a path ``{id}`` is matched by prefix."""

    ref: StoredRefServer

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _route(self, method: str, path: str) -> Any:
        parts = path.strip("/").split("/")[1:]
        head = parts[0] if parts else ""
        table = {
            "conversations": self.conversations,
            "files": self.stored_files,
            "vector_stores": self.vector_stores,
            "prompts": self.prompts,
        }
        if head in table and not (head == "prompts" and self.ref.faulty("no_prompts_route")):
            return lambda raw, p: table[head](method, parts[1:], raw)
        if head == "responses" and method == "POST" and parts[1:] == ["compact"]:
            return self.compact
        if head == "responses" and method == "GET" and len(parts) in (2, 3):
            return lambda raw, p: self.stored_response(parts[1:])
        return super()._route(method, path)

    # -- conversations -----------------------------------------------------------------------------

    def _stored_item(self, item: dict[str, Any]) -> dict[str, Any]:
        stored = _message(item.get("role", "user"), _text(item.get("content")))
        if self.ref.faulty("content_as_string"):
            stored["content"] = _text(item.get("content"))
            stored["status"] = None
        return stored

    def conversations(self, method: str, rest: list[str], raw: bytes) -> None:
        if method == "POST" and not rest:
            data = self._body(raw)
            conversation = {
                "id": _new("conv"),
                "object": "conversation",
                "created_at": int(time.time()),
                "metadata": data.get("metadata") or {},
            }
            with self.ref.lock:
                self.ref.conversations[conversation["id"]] = conversation
                self.ref.items[conversation["id"]] = [self._stored_item(i) for i in data.get("items") or []]
            self._json(conversation)
            return
        conversation = self.ref.conversations.get(rest[0]) if rest else None
        if conversation is None:
            raise ApiError(404, "Conversation not found.", "conversation_id")
        if method == "DELETE" and len(rest) == 1:
            del self.ref.conversations[rest[0]]
            self._json({"id": rest[0], "object": "conversation.deleted", "deleted": True})
        elif method == "GET" and rest[1:] == ["items"]:
            found = list(reversed(self.ref.items[rest[0]]))  # newest first, OpenAI's default order
            first, last = (found[0]["id"], found[-1]["id"]) if found else (None, None)
            self._json(
                {"object": "list", "data": found, "first_id": first, "last_id": last, "has_more": False}
            )
        elif method == "GET" and len(rest) == 1:
            self._json(conversation)
        else:
            raise ApiError(404, f"Invalid URL ({method} conversations)")

    def _conversation_items(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        """Check ``conversation`` and return the items it holds (as input), in order."""
        reference = data.get("conversation")
        if reference is None:
            return []
        if data.get("previous_response_id") is not None and not self.ref.faulty("previous_with_conversation"):
            raise ApiError(
                400,
                "Mutually exclusive parameters: 'previous_response_id' and 'conversation'.",
                "conversation",
            )
        conversation_id = reference.get("id") if isinstance(reference, dict) else reference
        if not isinstance(conversation_id, str) or not conversation_id.startswith("conv_"):
            raise ApiError(400, f"Invalid 'conversation': {conversation_id!r}.", "conversation")
        if conversation_id not in self.ref.conversations:
            if self.ref.faulty("unknown_conversation_400"):
                raise ApiError(400, f"Invalid value for 'conversation': {conversation_id}.", "conversation")
            raise ApiError(404, f"Conversation with id '{conversation_id}' not found.", "conversation")
        if self.ref.faulty("conversation_ignored"):
            return []
        return [{"role": i["role"], "content": _text(i["content"])} for i in self.ref.items[conversation_id]]

    # -- files and vector stores -------------------------------------------------------------------

    def _filename(self, raw: bytes) -> str:
        content_type = self.headers.get("Content-Type", "")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "file":
                return str(part.get_filename() or "upload")
        return "upload"

    def stored_files(self, method: str, rest: list[str], raw: bytes) -> None:
        if method == "POST" and not rest:
            fields = self._multipart(raw)
            if "file" not in fields or fields.get("purpose") is None:
                raise ApiError(400, "Missing required parameter: 'file' or 'purpose'.", "file")
            item = {
                "id": _new("file"),
                "object": "file",
                "bytes": len(fields["file"]),
                "created_at": int(time.time()),
                "filename": self._filename(raw),
                "purpose": fields["purpose"].decode(),
                "status": "processed",
            }
            with self.ref.lock:
                self.ref.files[item["id"]] = item | {"text": fields["file"].decode(errors="replace")}
            self._json(item)
        elif method == "DELETE" and len(rest) == 1 and rest[0] in self.ref.files:
            del self.ref.files[rest[0]]
            self._json({"id": rest[0], "object": "file", "deleted": True})
        elif method == "GET" and not rest:
            self.files(raw, "/v1/files")
        else:
            raise ApiError(404, "No such file.")

    def _store_object(self, store_id: str) -> dict[str, Any]:
        store = self.ref.stores[store_id]
        total = len(store["files"])
        counts = {"in_progress": 0, "completed": total, "failed": 0, "cancelled": 0, "total": total}
        return {
            "id": store_id,
            "object": "vector_store",
            "created_at": store["created_at"],
            "name": store["name"],
            "usage_bytes": 0,
            "file_counts": counts,
            "status": "completed",
            "last_active_at": store["created_at"],
            "metadata": {},
        }

    def _store_file(self, store_id: str, file_id: str, status: str) -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "vector_store.file",
            "created_at": int(time.time()),
            "usage_bytes": 0,
            "vector_store_id": store_id,
            "status": status,
            "last_error": None,
            "attributes": self.ref.stores[store_id]["files"][file_id],
        }

    def vector_stores(self, method: str, rest: list[str], raw: bytes) -> None:
        if method == "POST" and not rest:
            data = self._body(raw)
            store_id = _new("vs")
            with self.ref.lock:
                self.ref.stores[store_id] = {
                    "name": data.get("name"),
                    "created_at": int(time.time()),
                    "files": {},
                }
            self._json(self._store_object(store_id))
            return
        if not rest or rest[0] not in self.ref.stores:
            raise ApiError(404, "No such vector store.", "vector_store_id")
        store_id = rest[0]
        if method == "DELETE" and len(rest) == 1:
            del self.ref.stores[store_id]
            self._json({"id": store_id, "object": "vector_store.deleted", "deleted": True})
        elif method == "POST" and rest[1:] == ["files"]:
            data = self._body(raw)
            if data.get("file_id") not in self.ref.files:
                raise ApiError(404, "No such file.", "file_id")
            self.ref.stores[store_id]["files"][data["file_id"]] = data.get("attributes") or {}
            self._json(self._store_file(store_id, data["file_id"], "in_progress"))  # indexed by the next read
        elif method == "GET" and len(rest) == 3 and rest[2] in self.ref.stores[store_id]["files"]:
            self._json(self._store_file(store_id, rest[2], "completed"))
        else:
            raise ApiError(404, f"Invalid URL ({method} vector_stores)")

    def _search(self, tool: dict[str, Any], query: str, include: list[str]) -> dict[str, Any]:
        """A ``file_search_call`` over the tool's stores, honouring its filters."""
        results = []
        rule = tool.get("filters")
        for store_id in tool.get("vector_store_ids") or []:
            for file_id, attributes in self.ref.stores.get(store_id, {}).get("files", {}).items():
                if rule and not self.ref.faulty("filters_ignored") and not _match(attributes, rule):
                    continue
                item = self.ref.files.get(file_id) or {}
                results.append(
                    {
                        "file_id": file_id,
                        "filename": item.get("filename"),
                        "score": 0.5,
                        "text": item.get("text"),
                        "attributes": attributes,
                    }
                )
        wanted = "file_search_call.results" in include and not self.ref.faulty("no_results")
        return {
            "type": "file_search_call",
            "id": _new("fs"),
            "status": "completed",
            "queries": [query],
            "results": results if wanted else None,
        }

    # -- prompt templates ----------------------------------------------------------------------------

    def prompts(self, method: str, rest: list[str], raw: bytes) -> None:
        if (method, bool(rest)) in (("POST", False), ("PUT", True)):
            data = self._body(raw)
            if not isinstance(data.get("prompt"), str):
                raise ApiError(400, "Missing required parameter: 'prompt'.", "prompt")
            prompt_id = rest[0] if rest else _new("pmpt")
            versions = self.ref.prompts.setdefault(prompt_id, [])
            if rest and not versions:
                raise ApiError(404, "Prompt not found.", "prompt_id")
            version = {
                "prompt_id": prompt_id,
                "version": len(versions) + 1,
                "prompt": data["prompt"],
                "variables": data.get("variables") or [],
            }
            versions.append(version)
            self._json(version | {"is_default": True})
        elif method == "DELETE" and len(rest) == 1 and rest[0] in self.ref.prompts:
            del self.ref.prompts[rest[0]]
            self._json({"deleted": True})
        else:
            raise ApiError(404, "Prompt not found.", "prompt_id")

    def _template(self, reference: Any) -> str:
        """The instructions a ``prompt`` reference stands for, variables filled in."""
        if not isinstance(reference, dict) or reference.get("id") not in self.ref.prompts:
            raise ApiError(400, "Prompt not found.", "prompt.id")
        versions = self.ref.prompts[reference["id"]]
        wanted = reference.get("version")
        version = versions[-1]
        if wanted is not None and not self.ref.faulty("version_ignored"):
            chosen = [v for v in versions if str(v["version"]) == str(wanted)]
            if not chosen:
                raise ApiError(400, f"Prompt version {wanted} not found.", "prompt.version")
            version = chosen[0]
        text = version["prompt"]
        if not self.ref.faulty("variables_ignored"):
            for name, value in (reference.get("variables") or {}).items():
                text = text.replace(
                    "{{ " + name + " }}", _text([value]) if isinstance(value, dict) else str(value)
                )
        return text

    # -- compaction ----------------------------------------------------------------------------------

    def _summary(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        words = " ".join(_text(i.get("content")) for i in items if i.get("type", "message") == "message")
        secret = base64.b64encode(json.dumps({"summary": words[:400]}).encode()).decode()
        return {"type": "compaction", "id": _new("cmp"), "encrypted_content": secret}

    def _unfold(self, value: Any) -> list[dict[str, Any]]:
        """The input as message items; a compaction item becomes the summary it stands for."""
        if isinstance(value, str):
            return [{"role": "user", "content": value}]
        out = []
        for item in value or []:
            if isinstance(item, dict) and item.get("type") == "compaction":
                if self.ref.faulty("compaction_input_refused"):
                    raise ApiError(400, "Invalid value for 'input[].type': 'compaction'.", "input")
                summary = json.loads(base64.b64decode(item.get("encrypted_content") or "e30="))
                out.append({"role": "developer", "content": summary.get("summary", "")})
            else:
                out.append(item)
        return out

    def compact(self, raw: bytes, path: str) -> None:
        data = self._body(raw)
        self._model(data)
        if self.ref.faulty("compact_slow"):
            time.sleep(3)
        if data.get("input") is not None:
            items = self._unfold(data["input"])
        elif data.get("previous_response_id") in self.ref.inputs:
            items = self.ref.inputs[data["previous_response_id"]]
        else:
            raise ApiError(400, "Either 'input' or 'previous_response_id' is required.", "input")
        kept = [
            _message("user", _text(i.get("content")))
            for i in items
            if i.get("type", "message") == "message" and i.get("role") == "user"
        ]
        if self.ref.faulty("compact_keeps_tools"):
            kept += [i for i in items if i.get("type") in ("function_call", "function_call_output")]
        output = kept if self.ref.faulty("no_compaction_item") else [*kept, self._summary(items)]
        result = {
            "id": _new("resp"),
            "object": "response.compaction",
            "created_at": int(time.time()),
            "output": output,
            "usage": self._response_usage(sum(count_tokens(_text(i.get("content"))) for i in items), 8),
        }
        with self.ref.lock:
            self.ref.compactions[result["id"]] = result
        self._json(result)

    def stored_response(self, rest: list[str]) -> None:
        response_id = rest[0]
        if rest[1:] == ["input_items"]:
            if response_id not in self.ref.inputs:
                raise ApiError(404, f"Response with id '{response_id}' not found.")
            found = [i for i in self.ref.inputs[response_id] if i.get("type") != "compaction"]
            if self.ref.faulty("input_items_show_compaction"):
                found = self.ref.inputs.get(f"{response_id}:raw", found)
            found = [
                i if "id" in i else _message(i.get("role", "user"), _text(i.get("content"))) for i in found
            ]
            self._json({"object": "list", "data": found, "has_more": False})
            return
        if response_id in self.ref.compactions and not self.ref.faulty("compaction_not_stored"):
            self._json(self.ref.compactions[response_id] | {"status": "completed"})
        elif response_id in self.ref.stored:
            self._json(self.ref.stored[response_id][1])
        else:
            raise ApiError(404, f"Response with id '{response_id}' not found.")

    # -- responses -----------------------------------------------------------------------------------

    _extra: dict[str, Any]

    def responses_create(self, raw: bytes, path: str) -> None:
        data = self._body(raw)
        self._model(data)
        history = self._conversation_items(data)
        given = self._unfold(data.get("input"))
        instructions = []
        if data.get("prompt") is not None and not self.ref.faulty("prompt_ignored"):
            instructions = [{"role": "developer", "content": self._template(data["prompt"])}]
        elif data.get("prompt") is not None:
            self._template(data["prompt"])  # still refused when unknown
        before: list[dict[str, Any]] = []
        managed = [c for c in data.get("context_management") or [] if c.get("type") == "compaction"]
        full = [*instructions, *history, *given]
        threshold = managed[0].get("compact_threshold") if managed else None
        size = sum(count_tokens(_text(i.get("content"))) for i in full)
        if threshold is not None and size > threshold and not self.ref.faulty("context_management_ignored"):
            summary = self._summary(full[:-1])
            before.append(summary)
            full = [self._unfold([summary])[0] | {"content": "(earlier turns, compacted)"}, full[-1]]
        tools = [t for t in data.get("tools") or [] if t.get("type") == "file_search"]
        if tools and data.get("tool_choice") == "required" and not self.ref.faulty("never_search"):
            before.append(
                self._search(
                    tools[0], _text(given[-1].get("content")) if given else "", data.get("include") or []
                )
            )
        self._extra = {"data": data, "before": before, "given": given, "raw_input": data.get("input")}
        inner = {k: v for k, v in data.items() if k not in ("conversation", "prompt", "context_management")}
        if tools:
            inner = {k: v for k, v in inner.items() if k not in ("tools", "tool_choice")}
        inner["input"] = [
            i
            for i in full
            if i.get("type", "message") in ("message", "function_call", "function_call_output")
        ]
        super().responses_create(json.dumps(inner).encode(), path)

    def _response(
        self, data: dict[str, Any], model: str, output: list[dict[str, Any]], *rest: Any
    ) -> dict[str, Any]:
        sent = self._extra["data"]
        response = super()._response(sent, model, [*self._extra["before"], *output], *rest)
        reference = sent.get("conversation")
        conversation_id = reference.get("id") if isinstance(reference, dict) else reference
        response["conversation"] = {"id": conversation_id} if conversation_id else None
        prompt = sent.get("prompt")
        response["prompt"] = None if self.ref.faulty("prompt_not_echoed") else prompt
        if not self.ref.faulty("text_format_not_echoed"):
            response["text"] = sent.get("text") or {"format": {"type": "text"}}
        given = [i for i in self._extra["given"] if i.get("type", "message") == "message"]
        raw_input = self._extra["raw_input"]
        with self.ref.lock:
            self.ref.inputs[response["id"]] = given
            if isinstance(raw_input, list):
                self.ref.inputs[f"{response['id']}:raw"] = raw_input
            streamed = bool(sent.get("stream"))
            keep = not (self.ref.faulty("conversation_not_stored") or self.ref.faulty("conversation_ignored"))
            if conversation_id and keep and not (streamed and self.ref.faulty("stream_not_stored")):
                added = [self._stored_item(i) for i in given]
                added += [i for i in response["output"] if i.get("type") == "message"]
                self.ref.items[conversation_id] += added
        return response

    def _stream(self, response: dict[str, Any], generation: Any) -> None:
        """The parent's stream, with the file search events after its call's ``output_item.added``."""
        real, buffer = self.wfile, io.BytesIO()
        self.wfile = buffer  # type: ignore[assignment]
        try:
            super()._stream(response, generation)
        finally:
            self.wfile = real
        head, _, body = buffer.getvalue().partition(b"\r\n\r\n")
        events = [
            json.loads(block.split(b"data: ", 1)[1]) for block in body.split(b"\n\n") if b"data: " in block
        ]
        out: list[dict[str, Any]] = []
        for event in events:
            out.append(event)
            item = event.get("item") or {}
            announced = (
                event["type"] == "response.output_item.added" and item.get("type") == "file_search_call"
            )
            if announced and not self.ref.faulty("no_search_events"):
                for stage in ("in_progress", "searching", "completed"):
                    out.append(
                        {
                            "type": f"response.file_search_call.{stage}",
                            "output_index": event["output_index"],
                            "item_id": item["id"],
                        }
                    )
        real.write(head + b"\r\n\r\n")
        for number, event in enumerate(out):
            event["sequence_number"] = number
            real.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
