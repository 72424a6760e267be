#!/usr/bin/env bash
# Install the system tools broadcast needs if they are missing: ffmpeg, espeak-ng (the chain),
# libmpv2 (playout), redis-server (network queue), chromium (the web console's browser tests).
# Debian/Ubuntu: apt-get (as root, or through sudo). Elsewhere: print how to install them.
set -euo pipefail

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
# Redis for `broadcast network make --broker redis://…` and its tests (Debian package redis-server).
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# libmpv for `broadcast play` (python-mpv loads libmpv.so.2); Debian/Ubuntu package libmpv2.
if command -v apt-get >/dev/null 2>&1; then
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep 'libmpv\.so' >/dev/null || missing+=(libmpv2)
  # chromium: the web console's browser tests (Playwright drives Debian's chromium).
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Cài công cụ hệ thống còn thiếu: ${missing[*]}"
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "Cần quyền root để cài ${missing[*]}: chạy 'apt-get install ${missing[*]}' bằng tài khoản root." >&2
      exit 2
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
if command -v brew >/dev/null 2>&1; then
  brew install "${missing[@]}"
  exit 0
fi
cat >&2 <<MSG
Không tự cài được ${missing[*]} trên máy này.
- Windows: tải ffmpeg (bản "essentials") và espeak-ng (bản .msi), giải nén/cài đặt,
  rồi thêm thư mục chứa ffmpeg.exe và espeak-ng.exe vào biến PATH. Để phát tự động
  (broadcast play) bằng mpv, chép thêm libmpv-2.dll (bản "mpv-dev") vào cùng thư mục đó.
- Linux khác Debian: cài gói ffmpeg và espeak-ng bằng trình quản lý gói của máy.
MSG
exit 2
