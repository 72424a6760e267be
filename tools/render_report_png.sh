#!/bin/sh
# Render page 1 of a station's report to PNG, to look at the layout (docs only, not run in CI).
# Needs LibreOffice Writer and poppler-utils:  apt-get install libreoffice-writer poppler-utils
# Usage: tools/render_report_png.sh STATION_DIR PERIOD OUT.png     e.g. . 2027 docs/report-example.png
set -eu
station=${1:?thư mục của đài}; period=${2:?kỳ báo cáo, ví dụ 2027}; out=${3:?tệp PNG}
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$here/bin/broadcast" report --station "$station" --period "$period" --out "$tmp/bao-cao.docx"
# A private LibreOffice profile: works while another LibreOffice is open, leaves no state behind.
soffice -env:UserInstallation="file://$tmp/profile" --headless --convert-to pdf --outdir "$tmp" "$tmp/bao-cao.docx" >/dev/null
pdftoppm -f 1 -l 1 -r 80 -png -singlefile "$tmp/bao-cao.pdf" "$tmp/page"
cp "$tmp/page.png" "$out"
echo "$out"
