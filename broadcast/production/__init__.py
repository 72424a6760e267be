"""Production: the month's programme from voiced clips and jingles to a mastered, tagged MP3.

- `produce`   — the use case: `produce(plan, station)` → Manifest (writes the month folder).
- `clips`     — speech clips and jingles into prepared pieces (decode, filter, compress, normalise).
- `prepared`  — the prepared-clip cache format.
- `dsp`       — filters, compressor, true-peak limiter, trim, normalise.
- `timeline`  — the programme as a plan in samples; the manifest's timed segments.
- `render`    — the timeline rendered block by block.
- `export`    — the LAME encode and the ID3 tags/chapters.
- `manifest`  — manifest, approval record, settings fingerprint, file checks (no audio libraries).

The models (`Event`, `ProgrammePlan`, `Manifest`, `ManifestSegment`) are in broadcast.models.programme.
Loudness metering is broadcast.loudness; jingle sources broadcast.jingles.
"""
