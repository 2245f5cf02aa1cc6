# Sourced by bin/start and bin/test: find Python 3.12+, and make .venv match pyproject.toml.
# Installs only when pyproject.toml changed since the last install, so repeat runs start at once.

find_python() {
  local candidate
  for candidate in "${LLMOPS_PYTHON:-}" python3.14 python3.13 python3.12 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  # pyenv keeps other versions out of PATH unless selected; look there too.
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.1[2-9]*/bin/python3; do
      if [ -x "$candidate" ]; then
        echo "$candidate"
        return 0
      fi
    done
  fi
  return 1
}

ensure_venv() {
  local root=$1
  local venv="$root/.venv"
  local stamp="$venv/.installed-from"
  local wanted
  wanted=$(cat "$root/pyproject.toml" "$root/sdk/pyproject.toml" "$root/evals/pyproject.toml" | sha256sum | cut -d' ' -f1)
  if [ ! -x "$venv/bin/python" ]; then
    local python
    if ! python=$(find_python); then
      echo "error: Python 3.12 or newer is needed (set LLMOPS_PYTHON=/path/to/python3.12)" >&2
      return 1
    fi
    echo "Creating $venv with $python ..." >&2
    "$python" -m venv "$venv"
  fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing the platform and its test tools into .venv (first run only) ..." >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      -e "$root[dev]" -e "$root/sdk[openai,tiktoken]" -e "$root/evals[llm,embeddings]" >&2
    echo "$wanted" > "$stamp"
  fi
}
