"""The reference server: OpenAI's API as the spec and the SDK describe it, over real HTTP.

Start it with ``with RefServer(api_key=..., deviations={...}) as server:`` and probe
``server.base_url``. Every switch in :data:`DEVIATIONS` reproduces one difference seen in real
servers; with none on, every probed row should pass.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import json
import struct
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openai.types.moderation import Categories, CategoryScores
from websockets.frames import Close, Frame, Opcode

from probes.prober.samples import png_square, wav_tone
from refserver.fakemodel import Generation, count_tokens, generate
from refserver.faults import Cooldown

MODELS = ("ref-chat", "ref-embed", "whisper-1", "tts-1", "gpt-image-1", "dall-e-2", "omni-moderation-latest")
"""The models the server lists; a request naming another gets OpenAI's ``model_not_found``."""

DEVIATIONS: dict[str, str] = {
    "models_list_missing": "GET /v1/models is not routed",
    "models_list_no_object": "the model list lacks `object: list`",
    "no_model_retrieve": "GET /v1/models/{id} is not routed (as in llama.cpp)",
    "chat_missing_created": "chat completions lack `created`",
    "stream_ignored": "`stream: true` is ignored",
    "no_done": "streams end without `data: [DONE]`",
    "chunk_bad_object": "stream chunks say `object: chat.completion`",
    "no_usage_chunk": "`stream_options.include_usage` is ignored",
    "seed_ignored": "`seed` is accepted but not used",
    "seed_refused": "`seed` is refused with 400",
    "json_schema_ignored": "`response_format: json_schema` is ignored",
    "json_object_ignored": "`response_format: json_object` is ignored",
    "tools_ignored": "`tools` are accepted but never called",
    "tool_arguments_object": "tool call arguments come as a JSON object",
    "error_no_param": "error envelopes lack `param`",
    "error_code_int": "error envelopes carry the HTTP status as an integer `code`",
    "no_cache": "repeated prompts never report cached tokens",
    "no_logprobs": "`logprobs: true` is accepted but none are returned",
    "image_refused": "image content parts are refused with 400",
    "image_ignored": "image content parts are accepted but not read",
    "n_ignored": "`n` is ignored",
    "n_null_index": "every choice after the first has `index: null`",
    "temperature_ignored": "`temperature: 0` still samples",
    "max_tokens_ignored": "`max_tokens` is ignored",
    "max_completion_tokens_ignored": "`max_completion_tokens` is ignored",
    "stop_ignored": "`stop` is ignored",
    "completions_missing": "POST /v1/completions is not routed",
    "completions_bad_object": "text completions say `object: completion`",
    "embeddings_missing": "POST /v1/embeddings answers 501",
    "embeddings_base64": "embeddings come base64-encoded even when floats were asked for",
    "no_transcriptions": "POST /v1/audio/transcriptions is not routed",
    "no_translations": "POST /v1/audio/translations is not routed",
    "no_speech": "POST /v1/audio/speech is not routed",
    "speech_mp3": "speech comes as MP3 when WAV was asked for",
    "no_image_generations": "POST /v1/images/generations is not routed",
    "no_image_edits": "POST /v1/images/edits is not routed",
    "no_image_variations": "POST /v1/images/variations is not routed",
    "responses_missing_fields": "responses lack `tools`, `tool_choice` and `parallel_tool_calls` (llama.cpp)",
    "no_responses": "POST /v1/responses is not routed",
    "no_compact": "POST /v1/responses/compact is not routed",
    "no_realtime": "GET /v1/realtime is not routed",
    "no_moderations": "POST /v1/moderations is not routed",
    "no_files": "GET /v1/files is not routed",
    "no_fine_tuning": "GET /v1/fine_tuning/jobs is not routed",
    "auth_disabled": "requests without the key are answered",
    "auth_403": "requests without the key get 403",
}

_UNROUTED = {
    "models_list_missing": ("GET", "/v1/models"),
    "completions_missing": ("POST", "/v1/completions"),
    "no_transcriptions": ("POST", "/v1/audio/transcriptions"),
    "no_translations": ("POST", "/v1/audio/translations"),
    "no_speech": ("POST", "/v1/audio/speech"),
    "no_image_generations": ("POST", "/v1/images/generations"),
    "no_image_edits": ("POST", "/v1/images/edits"),
    "no_image_variations": ("POST", "/v1/images/variations"),
    "no_responses": ("POST", "/v1/responses"),
    "no_compact": ("POST", "/v1/responses/compact"),
    "no_realtime": ("GET", "/v1/realtime"),
    "no_moderations": ("POST", "/v1/moderations"),
    "no_files": ("GET", "/v1/files"),
    "no_fine_tuning": ("GET", "/v1/fine_tuning/jobs"),
}


def session_created(model: str) -> dict[str, Any]:
    """OpenAI's first Realtime event on a new connection, with a small default session."""
    session = {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_ref",
        "model": model,
        "output_modalities": ["audio"],
        "instructions": "",
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
    }
    return {"type": "session.created", "event_id": "event_ref1", "session": session}


IMAGE_TOKENS = 85
"""What one image adds to the prompt, as OpenAI counts a low-detail image."""


class _Server(ThreadingHTTPServer):
    """A threading server with a listen backlog deep enough for a burst of concurrent probes."""

    request_queue_size = 128
    daemon_threads = True


class ApiError(Exception):
    """An error answer in OpenAI's envelope."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code


def _usage(prompt_tokens: int, completion_tokens: int, cached: int = 0) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


def _logprobs(tokens: list[str], top: int) -> dict[str, Any]:
    def entry(token: str, logprob: float) -> dict[str, Any]:
        return {"token": token, "logprob": logprob, "bytes": list(token.encode())}

    content = [
        entry(t, -0.25)
        | {"top_logprobs": [entry(t, -0.25), *[entry(" x", -2.0 - i) for i in range(top - 1)]][:top]}
        for t in tokens
    ]
    return {"content": content, "refusal": None}


class RefServer:
    """The server and its state; a context manager that runs it in a thread on 127.0.0.1."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        deviations: Iterable[str] = (),
        latency: float = 0.0,
        cooldown: Cooldown | None = None,
    ) -> None:
        self.api_key = api_key
        self.latency = latency
        self.cooldown = cooldown
        """A gateway's rate limit in front of the model routes (POST), when set."""
        self.deviations = set(deviations)
        unknown = self.deviations - set(DEVIATIONS)
        if unknown:
            raise ValueError(f"unknown deviation switches: {sorted(unknown)}")
        self.seen_prompts: set[str] = set()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def on(self, switch: str) -> bool:
        """Whether a deviation switch is on."""
        return switch in self.deviations

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> RefServer:
        handler = type("BoundHandler", (Handler,), {"ref": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._httpd is not None and self._thread is not None
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class Handler(BaseHTTPRequestHandler):
    """Routes requests to the endpoint methods below; errors become OpenAI envelopes."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "aioc-refserver/1.0"
    sys_version = ""
    ref: RefServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: test output should show the prober's words, not access logs."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        path = self.path.partition("?")[0]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        cooldown = self.ref.cooldown if method == "POST" else None
        with self.ref.lock:
            self.ref.requests.append((method, self.path, dict(self.headers)))
            limited = cooldown is not None and cooldown.take()
        if limited:
            self._rate_limited()
            return
        if self.ref.latency:
            time.sleep(self.ref.latency)  # stands in for a model's time to answer
        try:
            self._authorize()
            route = self._route(method, path)
            unrouted = any(_UNROUTED[d] == (method, path) for d in self.ref.deviations if d in _UNROUTED)
            if route is None or unrouted:
                raise ApiError(404, f"Invalid URL ({method} {path})")
            route(body, path)
        except ApiError as exc:
            if cooldown is not None:
                with self.ref.lock:
                    cooldown.failures += 1
            self._error(exc)

    def _rate_limited(self) -> None:
        """429 in OpenAI's envelope, with the cooldown's ``Retry-After``."""
        assert self.ref.cooldown is not None
        wait = self.ref.cooldown.retry_after
        error = {
            "message": f"Rate limit reached for requests. Please try again in {wait or 'a moment'}s.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
        extra = {"Retry-After": wait} if wait else {}
        self._send(429, json.dumps({"error": error}).encode(), "application/json", extra)

    def _route(self, method: str, path: str) -> Callable[[bytes, str], None] | None:
        routes: dict[tuple[str, str], Callable[[bytes, str], None]] = {
            ("GET", "/v1/models"): self.models_list,
            ("POST", "/v1/chat/completions"): self.chat,
            ("POST", "/v1/completions"): self.completions,
            ("POST", "/v1/embeddings"): self.embeddings,
            ("POST", "/v1/audio/transcriptions"): self.transcription,
            ("POST", "/v1/audio/translations"): self.transcription,
            ("POST", "/v1/audio/speech"): self.speech,
            ("POST", "/v1/images/generations"): self.images,
            ("POST", "/v1/images/edits"): self.images,
            ("POST", "/v1/images/variations"): self.images,
            ("POST", "/v1/responses"): self.responses_create,
            ("POST", "/v1/responses/compact"): self.compact,
            ("GET", "/v1/realtime"): self.realtime,
            ("POST", "/v1/moderations"): self.moderations,
            ("GET", "/v1/files"): self.files,
            ("GET", "/v1/fine_tuning/jobs"): self.fine_tuning,
        }
        if method == "GET" and path.startswith("/v1/models/") and not self.ref.on("no_model_retrieve"):
            return self.models_retrieve
        return routes.get((method, path))

    # -- plumbing ---------------------------------------------------------------------------------

    def _authorize(self) -> None:
        if not self.ref.api_key or self.ref.on("auth_disabled"):
            return
        if self.headers.get("Authorization") != f"Bearer {self.ref.api_key}":
            status = 403 if self.ref.on("auth_403") else 401
            raise ApiError(status, "Incorrect API key provided.", code="invalid_api_key")

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, payload: Any, status: int = 200) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _error(self, exc: ApiError) -> None:
        error: dict[str, Any] = {
            "message": exc.message,
            "type": "invalid_request_error",
            "param": exc.param,
            "code": exc.code,
        }
        if self.ref.on("error_no_param"):
            del error["param"]
        if self.ref.on("error_code_int"):
            error["code"] = exc.status
        self._json({"error": error}, exc.status)

    def _sse(self, payloads: list[Any], done: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for payload in payloads:
            self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        if done:
            self.wfile.write(b"data: [DONE]\n\n")
        self.close_connection = True

    def _body(self, raw: bytes) -> dict[str, Any]:
        try:
            data = json.loads(raw or b"null")
        except ValueError:
            raise ApiError(400, "We could not parse the JSON body of your request.") from None
        if not isinstance(data, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        return data

    def _model(self, data: dict[str, Any], required: bool = True) -> str:
        model = data.get("model")
        if model is None and not required:
            return "omni-moderation-latest"
        if not isinstance(model, str):
            raise ApiError(400, "Missing required parameter: 'model'.", "model", "missing_required_parameter")
        if model not in MODELS:
            raise ApiError(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                code="model_not_found",
            )
        return model

    def _multipart(self, raw: bytes) -> dict[str, bytes]:
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data"):
            raise ApiError(400, "This endpoint expects multipart/form-data.")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        fields = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                fields[str(name)] = part.get_payload(decode=True) or b""
        return fields

    # -- models -----------------------------------------------------------------------------------

    def _model_object(self, model: str) -> dict[str, Any]:
        return {"id": model, "object": "model", "created": 1_700_000_000, "owned_by": "aioc"}

    def models_list(self, raw: bytes, path: str) -> None:
        payload: dict[str, Any] = {"object": "list", "data": [self._model_object(m) for m in MODELS]}
        if self.ref.on("models_list_no_object"):
            del payload["object"]
        self._json(payload)

    def models_retrieve(self, raw: bytes, path: str) -> None:
        model = path.removeprefix("/v1/models/")
        self._model({"model": model})
        self._json(self._model_object(model))

    # -- chat -------------------------------------------------------------------------------------

    def chat(self, raw: bytes, path: str) -> None:
        data = self._body(raw)
        if "messages" not in data:
            raise ApiError(
                400, "Missing required parameter: 'messages'.", "messages", "missing_required_parameter"
            )
        model = self._model(data)
        if "seed" in data and self.ref.on("seed_refused"):
            raise ApiError(400, "Unrecognized request argument supplied: seed")
        prompt, images = self._prompt(data["messages"])
        if images and self.ref.on("image_refused"):
            raise ApiError(400, "Invalid content part type: image_url.", "messages")
        prompt_tokens = count_tokens(prompt) + (0 if self.ref.on("image_ignored") else IMAGE_TOKENS * images)
        with self.ref.lock:
            cached = prompt_tokens if prompt in self.ref.seen_prompts and not self.ref.on("no_cache") else 0
            self.ref.seen_prompts.add(prompt)
        choices = []
        completion_tokens = 0
        n = 1 if self.ref.on("n_ignored") else int(data.get("n") or 1)
        for index in range(n):
            message, generation = self._reply(data, prompt, index)
            completion_tokens += len(generation.tokens)
            logprobs = None
            if data.get("logprobs") and not self.ref.on("no_logprobs"):
                logprobs = _logprobs(generation.tokens, int(data.get("top_logprobs") or 0))
            choices.append(
                {
                    "index": None if index and self.ref.on("n_null_index") else index,
                    "message": message,
                    "logprobs": logprobs,
                    "finish_reason": generation.finish_reason,
                }
            )
        usage = _usage(prompt_tokens, completion_tokens, cached)
        if data.get("stream") and not self.ref.on("stream_ignored"):
            self._chat_stream(data, model, choices, usage)
            return
        payload = {
            "id": "chatcmpl-ref" + hashlib.sha1(prompt.encode()).hexdigest()[:12],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            "usage": usage,
            "system_fingerprint": "fp_ref",
        }
        if self.ref.on("chat_missing_created"):
            del payload["created"]
        self._json(payload)

    def _prompt(self, messages: Any) -> tuple[str, int]:
        if not isinstance(messages, list) or not messages:
            raise ApiError(400, "Invalid 'messages': empty array.", "messages", "empty_array")
        texts, images = [], 0
        for message in messages:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                texts.append(content)
            elif isinstance(content, list):
                for part in content:
                    if part.get("type") == "text":
                        texts.append(part.get("text", ""))
                    elif part.get("type") == "image_url":
                        images += 1
        return "\n".join(texts), images

    def _limit(self, data: dict[str, Any]) -> int | None:
        for name in ("max_completion_tokens", "max_tokens"):
            if data.get(name) is not None and not self.ref.on(f"{name}_ignored"):
                return int(data[name])
        return None

    def _reply(self, data: dict[str, Any], prompt: str, index: int) -> tuple[dict[str, Any], Generation]:
        temperature = data.get("temperature", 1.0)
        if self.ref.on("temperature_ignored"):
            temperature = 1.0
        stop = data.get("stop") or []
        stop = [stop] if isinstance(stop, str) else list(stop)
        generation = generate(
            prompt,
            temperature=temperature,
            seed=None if self.ref.on("seed_ignored") else data.get("seed"),
            max_tokens=self._limit(data),
            stop=[] if self.ref.on("stop_ignored") else stop,
            choice=index,
        )
        message: dict[str, Any] = {"role": "assistant", "content": generation.text, "refusal": None}
        response_format = (data.get("response_format") or {}).get("type")
        if response_format == "json_schema" and not self.ref.on("json_schema_ignored"):
            message["content"] = json.dumps({"color": "red", "count": 3})
        elif response_format == "json_object" and not self.ref.on("json_object_ignored"):
            message["content"] = json.dumps({"ok": True})
        tool_choice = data.get("tool_choice")
        if (
            data.get("tools")
            and tool_choice not in (None, "none", "auto")
            and not self.ref.on("tools_ignored")
        ):
            name = data["tools"][0]["function"]["name"]
            arguments: Any = {"city": "Paris"}
            if not self.ref.on("tool_arguments_object"):
                arguments = json.dumps(arguments)
            message["content"] = None
            message["tool_calls"] = [
                {
                    "id": f"call_ref{index}",
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
            ]
            generation = Generation(generation.tokens, "tool_calls")
        return message, generation

    def _chat_stream(
        self, data: dict[str, Any], model: str, choices: list[dict[str, Any]], usage: Any
    ) -> None:
        include_usage = bool((data.get("stream_options") or {}).get("include_usage"))
        include_usage = include_usage and not self.ref.on("no_usage_chunk")
        base = {
            "id": "chatcmpl-refstream",
            "object": "chat.completion" if self.ref.on("chunk_bad_object") else "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_ref",
        }
        if include_usage:
            base["usage"] = None
        chunks = []
        for choice in choices:
            index = choice["index"]
            deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
            text = choice["message"]["content"] or ""
            deltas += [{"content": piece} for piece in text.split(" ") if piece]
            for delta in deltas:
                chunks.append(base | {"choices": [{"index": index, "delta": delta, "finish_reason": None}]})
            chunks.append(
                base | {"choices": [{"index": index, "delta": {}, "finish_reason": choice["finish_reason"]}]}
            )
        if include_usage:
            chunks.append(base | {"choices": [], "usage": usage})
        self._sse(chunks, done=not self.ref.on("no_done"))

    # -- completions and embeddings ---------------------------------------------------------------

    def completions(self, raw: bytes, path: str) -> None:
        data = self._body(raw)
        model = self._model(data)
        prompt = data.get("prompt")
        if not isinstance(prompt, str):
            raise ApiError(
                400, "Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter"
            )
        generation = generate(
            prompt,
            temperature=data.get("temperature"),
            seed=data.get("seed"),
            max_tokens=self._limit(data),
            stop=[],
        )
        self._json(
            {
                "id": "cmpl-ref",
                "object": "completion" if self.ref.on("completions_bad_object") else "text_completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "text": generation.text,
                        "index": 0,
                        "logprobs": None,
                        "finish_reason": generation.finish_reason,
                    }
                ],
                "usage": _usage(count_tokens(prompt), len(generation.tokens)),
            }
        )

    def embeddings(self, raw: bytes, path: str) -> None:
        if self.ref.on("embeddings_missing"):
            self._send(501, b'{"error": {"message": "Not implemented"}}', "application/json")
            return
        data = self._body(raw)
        model = self._model(data)
        inputs = data.get("input")
        inputs = [inputs] if isinstance(inputs, str) else inputs
        if not isinstance(inputs, list) or not inputs:
            raise ApiError(400, "Missing required parameter: 'input'.", "input", "missing_required_parameter")
        as_base64 = data.get("encoding_format") == "base64" or self.ref.on("embeddings_base64")
        items = []
        for index, text in enumerate(inputs):
            digest = hashlib.sha256(str(text).encode()).digest()
            vector = [(b - 128) / 128 for b in digest[:8]]
            value: Any = vector
            if as_base64:
                value = base64.b64encode(struct.pack("<8f", *vector)).decode()
            items.append({"object": "embedding", "index": index, "embedding": value})
        tokens = sum(count_tokens(str(t)) for t in inputs)
        self._json(
            {
                "object": "list",
                "data": items,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    # -- audio and images -------------------------------------------------------------------------

    def transcription(self, raw: bytes, path: str) -> None:
        fields = self._multipart(raw)
        if not fields.get("file", b"").startswith(b"RIFF"):
            raise ApiError(400, "Invalid file format.", "file")
        self._model({"model": fields.get("model", b"").decode()})
        self._json({"text": "A short tone."})

    def speech(self, raw: bytes, path: str) -> None:
        data = self._body(raw)
        self._model(data)
        if self.ref.on("speech_mp3"):
            self._send(200, b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 256, "audio/mpeg")
            return
        self._send(200, wav_tone(0.2), "audio/wav")

    def images(self, raw: bytes, path: str) -> None:
        if path.endswith("/generations"):
            data = self._body(raw)
            self._model(data)
        else:
            fields = self._multipart(raw)
            if not fields.get("image", b"").startswith(b"\x89PNG"):
                raise ApiError(400, "Invalid image.", "image")
            self._model({"model": fields.get("model", b"").decode()})
        picture = base64.b64encode(png_square(16)).decode()
        self._json({"created": int(time.time()), "data": [{"b64_json": picture}]})

    # -- responses, realtime and the rest ---------------------------------------------------------

    def _response_usage(self, tokens_in: int, tokens_out: int) -> dict[str, Any]:
        return {
            "input_tokens": tokens_in,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": tokens_out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": tokens_in + tokens_out,
        }

    def _message_item(self, text: str) -> dict[str, Any]:
        return {
            "id": "msg_ref",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
        }

    def responses_create(self, raw: bytes, path: str) -> None:
        data = self._body(raw)
        model = self._model(data)
        prompt = data.get("input") if isinstance(data.get("input"), str) else json.dumps(data.get("input"))
        generation = generate(
            prompt, temperature=None, seed=None, max_tokens=data.get("max_output_tokens"), stop=[]
        )
        payload: dict[str, Any] = {
            "id": "resp_ref",
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": model,
            "output": [self._message_item(generation.text)],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": self._response_usage(count_tokens(prompt), len(generation.tokens)),
        }
        if self.ref.on("responses_missing_fields"):
            for key in ("parallel_tool_calls", "tool_choice", "tools"):
                del payload[key]
        self._json(payload)

    def compact(self, raw: bytes, path: str) -> None:
        data = self._body(raw)
        self._model(data)
        self._json(
            {
                "id": "cmp_ref",
                "object": "response.compaction",
                "created_at": int(time.time()),
                "output": [self._message_item("Remember: lighthouse.")],
                "usage": self._response_usage(12, 4),
            }
        )

    def realtime(self, raw: bytes, path: str) -> None:
        if self.headers.get("Upgrade", "").lower() != "websocket":
            raise ApiError(400, "This endpoint expects a WebSocket upgrade.")
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(
            hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        ).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        # OpenAI's first event, unasked, then a clean close: the probe grades what the session does
        model = parse_qs(urlsplit(self.path).query).get("model", ["gpt-realtime"])[0]
        event = json.dumps(session_created(model)).encode()
        self.wfile.write(Frame(Opcode.TEXT, event).serialize(mask=False))
        self.wfile.write(Frame(Opcode.CLOSE, Close(1000, "").serialize()).serialize(mask=False))
        self.wfile.flush()
        self.close_connection = True

    def moderations(self, raw: bytes, path: str) -> None:
        data = self._body(raw)
        model = self._model(data, required=False)
        names = [field.alias or name for name, field in Categories.model_fields.items()]
        scores = [field.alias or name for name, field in CategoryScores.model_fields.items()]
        result = {
            "flagged": False,
            "categories": dict.fromkeys(names, False),
            "category_scores": dict.fromkeys(scores, 0.001),
            "category_applied_input_types": {name: ["text"] for name in names},
        }
        self._json({"id": "modr-ref", "model": model, "results": [result]})

    def files(self, raw: bytes, path: str) -> None:
        item = {
            "id": "file-ref",
            "object": "file",
            "bytes": 120,
            "created_at": 1_700_000_000,
            "filename": "train.jsonl",
            "purpose": "fine-tune",
            "status": "processed",
        }
        self._json({"object": "list", "data": [item], "has_more": False})

    def fine_tuning(self, raw: bytes, path: str) -> None:
        self._json({"object": "list", "data": [], "has_more": False})
