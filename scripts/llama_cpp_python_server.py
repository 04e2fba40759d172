"""Run llama-cpp-python's OpenAI-compatible server (``llama_cpp.server``) on 127.0.0.1, for the prober.

    python scripts/llama_cpp_python_server.py probe --output data/reports/llama-cpp-python/
    python scripts/llama_cpp_python_server.py serve

llama-cpp-python is installed once by ``scripts/install_server.sh llama-cpp-python``: it builds
its own copy of llama.cpp from source (``LLAMA_CPP_PYTHON_PYTHON`` overrides which environment is
used). It is a second server over the same engine as ``llama-server``, so its column shows what
the Python layer adds or changes.

How it is set up, and why:
- it takes a Jinja chat template only from the model's GGUF metadata (``tokenizer.chat_template``;
  its ``--chat_format`` names built-in Python formatters), so aioc's template is written once into
  a copy of the shipped GGUF with ``gguf``'s ``gguf_new_metadata`` and cached beside it;
- it reads a JSON config file (``--config_file``) with the server's settings and the API key, kept
  in a private file of the work directory: its settings from a config file ignore the environment;
- one model, loaded with ``embedding: true`` so that ``/v1/embeddings`` answers with the same
  model that chats (its multi-model mode would swap models in and out on every request);
- probed one request at a time: the server runs one request at a time anyway, and by default
  (``interrupt_requests``) a new request cuts off a stream in progress, so concurrent probes would
  grade the probe's own overlap (streams broken off, answers queued past the time limit).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

from real_server import (
    BASE_MODEL_WORDS,
    CHAT_TEMPLATE,
    SERVED_MODEL,
    RealServer,
    ServerUnavailable,
    cache_dir,
    installed_python,
    main,
    model_file,
    package_version,
)

N_CTX = 2048
"""Room for the longest probe prompt (about 1,400 tokens); kept small because a request this server
does not bound (it ignores ``max_completion_tokens``) writes on to the end of the context, and it
serves one request at a time, so every later request waits for that."""


def templated_model(python: Path) -> Path:
    """A copy of the shipped GGUF whose metadata holds aioc's chat template, made once per template."""
    digest = hashlib.sha256(CHAT_TEMPLATE.read_bytes()).hexdigest()[:12]
    target = cache_dir() / "models" / f"gemma3-270m-q4_k_m-template-{digest}.gguf"
    if target.is_file():
        return target
    partial = target.with_suffix(".tmp")
    done = subprocess.run(
        [
            str(python), "-m", "gguf.scripts.gguf_new_metadata", str(model_file()), str(partial),
            "--chat-template-file", str(CHAT_TEMPLATE), "--force",
        ],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0 or not partial.is_file():
        raise ServerUnavailable(
            f"writing the chat template into the GGUF failed: {done.stderr.strip()[-400:]}"
        )
    partial.rename(target)
    return target


class LlamaCppPythonServer(RealServer):
    """``python -m llama_cpp.server`` on 127.0.0.1 with the templated model."""

    implementation = "llama-cpp-python"
    label = "llama-cpp-python"
    health_path = "/v1/models"
    health_needs_key = True
    served_model = SERVED_MODEL
    embedding_model = SERVED_MODEL
    probe_options: ClassVar[dict[str, Any]] = {"concurrency": 1, "timeout": 120.0, "deadline": 1500.0}

    def __init__(self) -> None:
        super().__init__()
        self.python = installed_python("llama-cpp-python", "LLAMA_CPP_PYTHON_PYTHON")
        self.model = templated_model(self.python)

    def settings(self) -> dict[str, object]:
        """The model's settings, as the source note quotes them."""
        return {"n_ctx": N_CTX, "embedding": True, "n_threads": 2}

    def prepare(self) -> None:
        config = {
            "host": "127.0.0.1",
            "port": self.port,
            "api_key": self.api_key,
            "models": [{"model": str(self.model), "model_alias": SERVED_MODEL, **self.settings()}],
        }
        self.config = self.private_file("config.json", json.dumps(config))

    def command(self) -> list[str]:
        return [str(self.python), "-m", "llama_cpp.server", "--config_file", str(self.config)]

    def version(self) -> str:
        return f"llama-cpp-python {package_version(self.python, 'llama_cpp_python')}"

    def note(self) -> str:
        settings = ", ".join(f"`{key}: {json.dumps(value)}`" for key, value in self.settings().items())
        return (
            "Probed by `scripts/llama_cpp_python_server.py`: `llama_cpp.server` from "
            f"`llama-cpp-python[server]` {package_version(self.python, 'llama_cpp_python')} (PyPI, built "
            "from source), started on 127.0.0.1 with a config file giving an API key and one model with "
            f"{settings}, probed one request at a time. The model is the shipped Gemma 3 270M Q4_K_M "
            "GGUF with aioc's template written "
            "into its `tokenizer.chat_template` metadata, where this server reads templates. "
            + BASE_MODEL_WORDS
        )


if __name__ == "__main__":
    sys.exit(main(LlamaCppPythonServer, doc=__doc__))
