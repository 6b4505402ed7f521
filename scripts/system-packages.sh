#!/usr/bin/env bash
# Installs, from Debian/Ubuntu/Raspberry Pi OS packages, what voicecoach needs outside Python,
# and only what is missing. Safe to run again. Called by `make` before the virtual environment
# is built; run it yourself with no arguments to see what it would do. With --tests: also what
# only the test suite needs (`make test`), which a Raspberry Pi running the coach does not.
set -euo pipefail

# Debian packages voicecoach needs, one per line with why.
packages=(
  python3-venv     # the project's .venv
  python3-pip
  libportaudio2    # sounddevice: microphone and speaker
  libasound2       # ALSA, under PortAudio (and the tests' virtual microphone)
  espeak-ng        # the speech synthesiser pyttsx3 drives, and test speech
  sox              # converts and measures test audio
  libspeexdsp1     # echo cancellation: the coach must not hear itself
  sphinxtrain      # bw + mllr_solve: adapting PocketSphinx to the user's voice (enroll)
  npm              # fetches Kokoro's training voices (kokoro-js) for voicecoach train
)

if [[ ${1:-} == --tests ]]; then
  # The tests look at voicecoach report's page in a real, headless browser. Debian and
  # Raspberry Pi OS call it chromium; Ubuntu ships it only as a snap, which apt cannot give.
  packages=(chromium)
  if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    packages=()
  elif grep -qs '^ID=ubuntu' /etc/os-release; then
    echo "note: on Ubuntu chromium is a snap: 'snap install chromium' for the browser tests" >&2
    packages=()
  fi
fi

need_python_venv() {
  ! python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

missing=()
for package in "${packages[@]}"; do
  if [[ $package == python3-venv || $package == python3-pip ]]; then
    # A Python that already has venv and ensurepip (pyenv, python.org builds) needs neither.
    need_python_venv && missing+=("$package")
    continue
  fi
  if [[ $package == npm ]] && command -v npm >/dev/null 2>&1; then
    continue  # Node's own installers (NodeSource, nvm) bring npm outside Debian's package
  fi
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done

if ! command -v python3 >/dev/null 2>&1; then
  missing+=(python3)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "voicecoach needs these system packages: ${missing[*]}" >&2
  echo "This is not a Debian-like system: install their equivalents, then run make again." >&2
  exit 1
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "voicecoach needs: ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
