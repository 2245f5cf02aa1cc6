# Sourced by bin/start and bin/test: install the web UI's packages when package-lock.json
# changed, and build it when its sources changed. Needs Node.js 20+ (npm) on PATH.

have_npm() {
  command -v npm >/dev/null 2>&1
}

frontend_hash() {  # frontend_hash <root> <paths...>: one hash over the named inputs that exist
  local root=$1; shift
  local present=() path
  for path in "$@"; do
    [ -e "$root/frontend/$path" ] && present+=("$path")
  done
  (cd "$root/frontend" && find "${present[@]}" -type f -print0 | sort -z | xargs -0 sha256sum) \
    | sha256sum | cut -d' ' -f1
}

ensure_frontend_packages() {
  local root=$1
  local stamp="$root/frontend/node_modules/.installed-from"
  local wanted
  wanted=$(frontend_hash "$root" package.json package-lock.json)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing the web UI's packages (npm ci) ..." >&2
    (cd "$root/frontend" && npm ci --no-audit --no-fund --loglevel=error) >&2
    echo "$wanted" > "$stamp"
  fi
}

ensure_frontend_build() {
  local root=$1
  local stamp="$root/frontend/dist/.built-from"
  local wanted
  ensure_frontend_packages "$root"
  wanted=$(frontend_hash "$root" package.json package-lock.json index.html src public \
    vite.config.ts tsconfig.json)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Building the web UI (npm run build) ..." >&2
    (cd "$root/frontend" && npm run build --silent) >&2
    echo "$wanted" > "$stamp"
  fi
}
