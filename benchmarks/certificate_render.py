"""Certificate rendering time and size: ``python benchmarks/certificate_render.py [-n 200] [--template default]``.

Renders N certificates (distinct names, serials and verification URLs, as issuing does) with the
template found through the ``lms.certificate_templates`` entry point, and prints the median and
95th-percentile time of ``render_pdf`` in milliseconds and the PDF size. The first render of a
process (parsing the stylesheet, loading the bundled fonts) is reported separately: it happens once
per worker. The issue's target is cert_render_ms_p50 ≤ 50 ms.

This is a measurement, not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from importlib.metadata import entry_points


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="certificates to render (default 200)")
    parser.add_argument("--template", default="default", help="entry-point name of the template")
    parser.add_argument("--long", action="store_true", help="60-character names and 200-character course titles")
    parser.add_argument("--profile", action="store_true", help="print the 25 most expensive functions (cProfile)")
    args = parser.parse_args(argv)

    from lms.certificates.rendering import preview_data, render_document, render_pdf

    found = {ep.name: ep for ep in entry_points(group="lms.certificate_templates")}
    if args.template not in found:
        print(f"template {args.template!r} not installed (have: {', '.join(sorted(found))})", file=sys.stderr)
        return 2
    template = found[args.template].load()

    def data(i: int) -> dict:
        name = f"Nguyễn Thị Ánh Tuyết {i}"
        course = "Bồi dưỡng nghiệp vụ công tác công đoàn cho cán bộ công đoàn cơ sở năm 2026"
        if args.long:
            name = ("Công Tôn Nữ Huyền Trân Thị Ngọc Bích Hương Quỳnh Phương Uyển " + str(i))[:60]
            course = (course + ", kỹ năng thương lượng tập thể, đối thoại tại nơi làm việc và giải quyết tranh chấp "
                      "lao động trong doanh nghiệp ngoài nhà nước")[:200]
        return preview_data(full_name=name, course_title=course, serial=f"{i}/GCN-LĐLĐ-2026",
                            register_number=str(i), issued_on=dt.date(2026, 3, 5),
                            verify_url=f"https://hoctap.congdoanthainguyen.vn/xac-minh/{i:08d}")

    started = time.perf_counter()
    first = render_pdf(template, data(0))
    first_ms = (time.perf_counter() - started) * 1000

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()

    times, layout_times, sizes, fits = [], [], [], []
    for i in range(1, args.n + 1):
        values = data(i)
        started = time.perf_counter()
        document = render_document(template, values)
        laid_out = time.perf_counter()
        pdf = document.write_pdf()
        finished = time.perf_counter()
        times.append((finished - started) * 1000)
        layout_times.append((laid_out - started) * 1000)
        sizes.append(len(pdf))
        fits.append(getattr(document, "certificate_fit", 0))

    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    print(f"template={args.template} n={args.n} long={args.long}")
    print(f"first_render_ms={first_ms:.1f} (stylesheet and fonts, once per process; {len(first)} bytes)")
    print(f"cert_render_ms_p50={statistics.median(times):.1f}")
    print(f"cert_render_ms_p95={_percentile(times, 0.95):.1f}")
    layout_p50 = statistics.median(layout_times)
    print(f"layout_ms_p50={layout_p50:.1f} write_pdf_ms_p50={statistics.median(times) - layout_p50:.1f}")
    print(f"pdf_bytes_p50={int(statistics.median(sizes))} pdf_bytes_max={max(sizes)}")
    print(f"tightened_layouts={sum(1 for fit in fits if fit)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
