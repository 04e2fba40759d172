"""The Responses API as OpenAI documents it, for the feature probes, with switches for real gaps.

:class:`ResponsesRefServer` is the reference server with a complete ``POST /v1/responses``:
stored responses for ``previous_response_id``, ``incomplete`` status, logprobs, ``top_p``,
``text.format`` JSON schemas, function calls and their outputs, image refusals, and the full
event stream with sequence numbers. It adds to :mod:`refserver.server` without changing it:
every other route behaves as there. Each switch in :data:`GAPS` turns one behaviour off the way
a real server (mostly llama.cpp) lacks it.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import threading
import time
from collections.abc import Iterable
from http.server import ThreadingHTTPServer
from typing import Any

from refserver.fakemodel import Generation, count_tokens, generate
from refserver.server import ApiError, Handler, RefServer

GAPS: dict[str, str] = {
    "no_previous_response_id": "`previous_response_id` is refused with 400 (llama.cpp)",
    "previous_ignored": "`previous_response_id` is accepted, but the earlier turn is not read",
    "always_completed": "`status` is always completed, with no `incomplete_details` (llama.cpp)",
    "no_sequence_number": "stream events carry no `sequence_number` (llama.cpp)",
    "one_delta": "streamed text comes in one delta",
    "logprobs_empty": "`include` of logprobs is accepted, but the lists stay empty (llama.cpp)",
    "top_logprobs_refused": "`top_logprobs` is refused with 400 (llama.cpp)",
    "top_p_ignored": "`top_p` is accepted but not applied",
    "no_echo": "responses do not report `top_p`, `max_output_tokens` and the like back (llama.cpp)",
    "max_output_tokens_ignored": "`max_output_tokens` is accepted but not applied",
    "text_format_ignored": "`text.format` is accepted but not applied (llama.cpp)",
    "no_tool_calls": "`tools` are accepted but never called",
    "parallel_ignored": "`parallel_tool_calls: false` still gives several calls",
    "tool_output_dropped": "`function_call_output` items are accepted but not read",
    "image_500": "images for a text-only model are refused with 500 (llama.cpp)",
    "no_error_field": "responses lack the `error` field (llama.cpp)",
}

MODALITIES = {"ref-chat": ["text"]}
"""What the reference lists as each model's input modalities (as llama.cpp's model list does)."""

_ids = itertools.count(1)


class ResponsesRefServer(RefServer):
    """The reference server with the full Responses API; ``gaps`` switch features off."""

    def __init__(self, *, api_key: str | None = None, gaps: Iterable[str] = ()) -> None:
        super().__init__(api_key=api_key)
        self.gaps = set(gaps)
        unknown = self.gaps - set(GAPS)
        if unknown:
            raise ValueError(f"unknown gap switches: {sorted(unknown)}")
        self.stored: dict[str, tuple[int, dict[str, Any]]] = {}

    def lacks(self, gap: str) -> bool:
        """Whether a feature is switched off."""
        return gap in self.gaps

    def __enter__(self) -> ResponsesRefServer:
        handler = type("BoundResponsesHandler", (ResponsesHandler,), {"ref": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self


def _fill(schema: dict[str, Any]) -> Any:
    """The smallest value that satisfies a schema of the subset the probes use."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {key: _fill(sub) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_fill(schema.get("items", {})) for _ in range(max(1, schema.get("minItems", 1)))]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 0)) + 0.5
    if kind == "boolean":
        return True
    return "abc"


class ResponsesHandler(Handler):
    """The reference handler with a complete ``POST /v1/responses`` and modalities in the model list."""

    ref: ResponsesRefServer

    def models_list(self, raw: bytes, path: str) -> None:
        models = [
            self._model_object(m) | {"architecture": {"input_modalities": MODALITIES[m]}} for m in MODALITIES
        ]
        self._json({"object": "list", "data": models})

    # -- reading the input ------------------------------------------------------------------------

    def _input_text(self, data: dict[str, Any]) -> str:
        """The input as the prompt the fake model reads; images are checked and refused here."""
        value = data.get("input")
        if isinstance(value, str):
            return value
        if not isinstance(value, list):
            raise ApiError(400, "Invalid type for 'input': expected a string or an array.", "input")
        words: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise ApiError(400, f"Invalid type for 'input[{index}]'.", f"input[{index}]")
            kind = item.get("type", "message")
            if kind == "message":
                words.append(self._content_text(item.get("content"), index))
            elif kind == "function_call":
                words.append(f"{item.get('name')} {item.get('arguments')}")
            elif kind == "function_call_output":
                if not self.ref.lacks("tool_output_dropped"):
                    words.append(self._content_text(item.get("output"), index))
            else:
                raise ApiError(
                    400, f"Invalid value for 'input[{index}].type': {kind!r}.", f"input[{index}].type"
                )
        return " ".join(words)

    def _content_text(self, content: Any, index: int) -> str:
        if isinstance(content, str):
            return content
        parts = []
        for part in content or []:
            if part.get("type") in ("input_text", "output_text"):
                parts.append(str(part.get("text", "")))
            elif part.get("type") == "input_image":
                self._refuse_image(str(part.get("image_url", "")), index)
        return " ".join(parts)

    def _refuse_image(self, url: str, index: int) -> None:
        param = f"input[{index}].content"
        if url.startswith("data:"):
            try:
                base64.b64decode(url.partition(",")[2], validate=True)
            except (binascii.Error, ValueError):
                raise ApiError(
                    400, "The image data is not valid base64.", param, "invalid_base64_image"
                ) from None
        if self.ref.lacks("image_500"):
            raise ApiError(500, "image input is not supported - hint: you may need to provide the mmproj")
        raise ApiError(400, "This model does not accept image input.", param, "image_input_not_supported")

    # -- the response ------------------------------------------------------------------------------

    def responses_create(self, raw: bytes, path: str) -> None:
        data = self._body(raw)
        model = self._model(data)
        prompt = self._input_text(data)
        tokens_in = count_tokens(prompt)
        previous = data.get("previous_response_id")
        if previous is not None:
            if self.ref.lacks("no_previous_response_id"):
                raise ApiError(400, "previous_response_id is not supported.", "previous_response_id")
            if previous not in self.ref.stored:
                raise ApiError(
                    404, f"Previous response with id '{previous}' not found.", "previous_response_id"
                )
            if not self.ref.lacks("previous_ignored"):
                tokens_in += self.ref.stored[previous][0]
        requested = data.get("max_output_tokens")
        if isinstance(requested, int) and requested < 16:  # as OpenAI: integer_below_min_value
            raise ApiError(
                400,
                f"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, "
                f"but got {requested} instead.",
                "max_output_tokens",
            )
        top_logprobs = data.get("top_logprobs")
        if top_logprobs is not None and self.ref.lacks("top_logprobs_refused"):
            raise ApiError(400, "top_logprobs requires logprobs to be set to true")
        limit = None if self.ref.lacks("max_output_tokens_ignored") else data.get("max_output_tokens")
        output, generation = self._output(data, prompt, limit)
        tokens_out = len(generation.tokens)
        response = self._response(data, model, output, generation, tokens_in, tokens_out)
        with self.ref.lock:
            self.ref.stored[response["id"]] = (tokens_in + tokens_out, response)
        if data.get("stream"):
            self._stream(response, generation)
        else:
            self._json(response)

    def _output(self, data: dict[str, Any], prompt: str, limit: int | None) -> tuple[list[dict], Generation]:
        tools = data.get("tools") or []
        if tools and data.get("tool_choice") == "required" and not self.ref.lacks("no_tool_calls"):
            several = data.get("parallel_tool_calls", True) or self.ref.lacks("parallel_ignored")
            cities = ["Paris", "Oslo"] if several else ["Paris"]
            calls = [
                {
                    "type": "function_call",
                    "id": f"fc_{next(_ids)}",
                    "call_id": f"call_{next(_ids)}",
                    "name": tools[0].get("name"),
                    "arguments": json.dumps({"city": city}),
                    "status": "completed",
                }
                for city in cities
            ]
            return calls, Generation([" call"] * len(calls), "stop")
        text_format = (data.get("text") or {}).get("format") or {}
        if text_format.get("type") == "json_schema" and not self.ref.lacks("text_format_ignored"):
            text = json.dumps(_fill(text_format.get("schema") or {}))
            return [self._message_item(text)], Generation([text], "stop")
        temperature = data.get("temperature")
        top_p = data.get("top_p")
        if isinstance(top_p, int | float) and top_p < 0.01 and not self.ref.lacks("top_p_ignored"):
            temperature = 0
        generation = self._generate(prompt, temperature, limit)
        item = self._message_item(generation.text)
        item["id"] = f"msg_{next(_ids)}"
        if self._wants_logprobs(data) and not self.ref.lacks("logprobs_empty"):
            item["content"][0]["logprobs"] = [
                self._logprob(t, data.get("top_logprobs") or 0) for t in generation.tokens
            ]
        return [item], generation

    @staticmethod
    def _generate(prompt: str, temperature: Any, limit: int | None) -> Generation:
        """The fake model's reply; asked to count to a hundred, it goes on for a hundred tokens."""
        if "one hundred" not in prompt:
            return generate(prompt, temperature=temperature, seed=None, max_tokens=limit, stop=[])
        words: list[str] = []
        for turn in range(10):
            words += generate(
                f"{prompt} {turn}", temperature=temperature, seed=None, max_tokens=None, stop=[]
            ).tokens
        if limit is not None and len(words) > limit:
            return Generation(words[:limit], "length")
        return Generation(words, "stop")

    @staticmethod
    def _wants_logprobs(data: dict[str, Any]) -> bool:
        return "message.output_text.logprobs" in (data.get("include") or [])

    @staticmethod
    def _logprob(token: str, top: int) -> dict[str, Any]:
        alternatives = [{"token": token, "logprob": -0.25, "bytes": list(token.encode())}]
        alternatives += [{"token": f" x{i}", "logprob": -2.0 - i, "bytes": []} for i in range(top - 1)]
        return {
            "token": token,
            "logprob": -0.25,
            "bytes": list(token.encode()),
            "top_logprobs": alternatives[:top],
        }

    def _response(
        self,
        data: dict[str, Any],
        model: str,
        output: list[dict[str, Any]],
        generation: Generation,
        tokens_in: int,
        tokens_out: int,
    ) -> dict[str, Any]:
        cut = generation.finish_reason == "length" and not self.ref.lacks("always_completed")
        response: dict[str, Any] = {
            "id": f"resp_{next(_ids)}",
            "object": "response",
            "created_at": int(time.time()),
            "status": "incomplete" if cut else "completed",
            "error": None,
            "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
            "instructions": None,
            "model": model,
            "output": output,
            "parallel_tool_calls": data.get("parallel_tool_calls", True),
            "tool_choice": data.get("tool_choice", "auto"),
            "tools": data.get("tools") or [],
            "max_output_tokens": data.get("max_output_tokens"),
            "temperature": data.get("temperature", 1.0),
            "top_p": data.get("top_p", 1.0),
            "top_logprobs": data.get("top_logprobs", 0),
            "usage": self._response_usage(tokens_in, tokens_out),
        }
        if self.ref.lacks("always_completed"):
            del response["incomplete_details"]
        if self.ref.lacks("no_error_field"):
            del response["error"]
        if self.ref.lacks("no_echo"):
            for key in ("max_output_tokens", "temperature", "top_p", "top_logprobs"):
                del response[key]
        return response

    # -- the event stream --------------------------------------------------------------------------

    def _stream(self, response: dict[str, Any], generation: Generation) -> None:
        started = {**response, "status": "in_progress", "output": [], "usage": None}
        events: list[dict[str, Any]] = [
            {"type": "response.created", "response": started},
            {"type": "response.in_progress", "response": started},
        ]
        for index, item in enumerate(response["output"]):
            if item["type"] != "message":
                events += [
                    {"type": "response.output_item.added", "output_index": index, "item": item},
                    {"type": "response.output_item.done", "output_index": index, "item": item},
                ]
                continue
            part = item["content"][0]
            where = {"item_id": item["id"], "output_index": index, "content_index": 0}
            events += [
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "content": []},
                },
                {"type": "response.content_part.added", **where, "part": {**part, "text": ""}},
            ]
            pieces = [part["text"]] if self.ref.lacks("one_delta") else generation.tokens
            logprobs = part.get("logprobs") or []
            for number, piece in enumerate(pieces):
                delta_logprobs = logprobs[number : number + 1] if len(pieces) == len(logprobs) else []
                events.append(
                    {
                        "type": "response.output_text.delta",
                        **where,
                        "delta": piece,
                        "logprobs": delta_logprobs,
                    }
                )
            events += [
                {"type": "response.output_text.done", **where, "text": part["text"], "logprobs": logprobs},
                {"type": "response.content_part.done", **where, "part": part},
                {"type": "response.output_item.done", "output_index": index, "item": item},
            ]
        ending = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
        events.append({"type": ending, "response": response})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for number, event in enumerate(events):
            if not self.ref.lacks("no_sequence_number"):
                event["sequence_number"] = number
            self.wfile.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
        self.close_connection = True
