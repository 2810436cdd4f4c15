import StatusAPI
import Testing

/// ``Histograms/render(name:help:bounds:counts:sum:count:)`` gives the text of histograms observed one value at a
/// time.
@Suite struct HistogramRenderTests {
    static let bounds: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]

    @Test func render_fromCountsMatchesRenderFromValues() {
        let values: [Double] = [0.1, 0.100001, 0, 2.5, 7200, 45, 0.999999, 3600, 3600.5]
        var counts = Array(repeating: 0, count: Self.bounds.count + 1)
        for v in values { counts[Self.bounds.firstIndex { v <= $0 } ?? Self.bounds.count] += 1 }
        let fromCounts = Histograms.render(
            name: "vfl_job_duration_seconds", help: "Done jobs.", bounds: Self.bounds, counts: counts,
            sum: values.reduce(0, +), count: values.count)
        let observed = Histograms(name: "vfl_job_duration_seconds", help: "Done jobs.", labels: [], bounds: Self.bounds)
        for v in values { observed.observe(v, labels: []) }
        #expect(fromCounts == observed.text)
        #expect(fromCounts.contains("vfl_job_duration_seconds_bucket{le=\"0.1\"} 2\n"))
        #expect(fromCounts.contains("vfl_job_duration_seconds_bucket{le=\"3600\"} 7\n"))
        #expect(fromCounts.contains("vfl_job_duration_seconds_bucket{le=\"+Inf\"} 9\n"))
        #expect(fromCounts.contains("vfl_job_duration_seconds_count 9\n"))
    }

    @Test func render_noJobsIsTheHeaderOnly() {
        let text = Histograms.render(
            name: "h", help: "x", bounds: [1], counts: [0, 0], sum: 0, count: 0)
        #expect(text == "# HELP h x\n# TYPE h histogram\n")
        #expect(text == Histograms(name: "h", help: "x", labels: [], bounds: [1]).text)
    }
}
