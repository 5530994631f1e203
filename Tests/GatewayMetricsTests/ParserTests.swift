import GatewayTestSupport
import Testing

/// The parser is the oracle of every other test, so its strictness is tested first.
@Suite struct ParserTests {
    @Test func readsFamiliesSamplesAndEscapes() throws {
        let text = """
            # HELP x_total Counts \\\\ things.\\nSecond line.
            # TYPE x_total counter
            x_total{a="q\\"uote",b="back\\\\slash",c="line\\nfeed"} 3
            x_total{a="",b="",c=""} 0
            # TYPE h histogram
            h_bucket{le="0.5"} 1
            h_bucket{le="+Inf"} 2
            h_sum 1.25
            h_count 2

            """
        let exposition = try Exposition(parsing: text)
        #expect(exposition.families["x_total"]?.help == "Counts \\ things.\nSecond line.")
        #expect(exposition.families["x_total"]?.type == .counter)
        #expect(exposition.value(.init("x_total", ["a": "q\"uote", "b": "back\\slash", "c": "line\nfeed"])) == 3)
        #expect(exposition.value(.init("x_total", ["a": "", "b": "", "c": ""])) == 0)
        let histogram = try #require(exposition.histogram("h"))
        #expect(histogram.buckets.map(\.upperBound) == [0.5, .infinity])
        #expect(histogram.buckets.map(\.count) == [1, 2])
        #expect(histogram.sum == 1.25)
        #expect(histogram.count == 2)
    }

    @Test(arguments: [
        ("no final line feed", "# TYPE g gauge\ng 1"),
        ("empty line", "# TYPE g gauge\n\ng 1\n"),
        ("sample before TYPE", "g 1\n# TYPE g gauge\n"),
        ("HELP only", "# HELP g Some gauge.\ng 1\n"),
        ("sample of another family", "# TYPE g gauge\nh 1\n"),
        ("family split in two", "# TYPE g gauge\ng{a=\"1\"} 1\n# TYPE c counter\nc 1\n# TYPE g gauge\ng{a=\"2\"} 1\n"),
        ("HELP after samples", "# TYPE g gauge\ng 1\n# HELP g Late.\n"),
        ("second TYPE", "# TYPE g gauge\n# TYPE g gauge\n"),
        ("unknown type", "# TYPE g summary\n"),
        ("other comment", "# TYPE g gauge\n# just a comment\ng 1\n"),
        ("bad HELP escape", "# HELP g a\\tb\n# TYPE g gauge\n"),
        ("bad label escape", "# TYPE g gauge\ng{a=\"\\t\"} 1\n"),
        ("unterminated label value", "# TYPE g gauge\ng{a=\"x} 1\n"),
        ("trailing comma", "# TYPE g gauge\ng{a=\"x\",} 1\n"),
        ("unquoted label value", "# TYPE g gauge\ng{a=x} 1\n"),
        ("duplicate label", "# TYPE g gauge\ng{a=\"x\",a=\"y\"} 1\n"),
        ("duplicate series", "# TYPE g gauge\ng 1\ng 2\n"),
        ("missing value", "# TYPE g gauge\ng\n"),
        ("timestamp", "# TYPE g gauge\ng 1 1700000000000\n"),
        ("two spaces", "# TYPE g gauge\ng  1\n"),
        ("non-numeric value", "# TYPE g gauge\ng one\n"),
        ("hex value", "# TYPE g gauge\ng 0x10\n"),
        ("lowercase inf", "# TYPE g gauge\ng inf\n"),
        ("negative counter", "# TYPE c counter\nc -1\n"),
        ("name starting with a digit", "# TYPE 1g gauge\n1g 1\n"),
        ("le outside a histogram", "# TYPE g gauge\ng{le=\"1\"} 1\n"),
        ("bucket without le", "# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n"),
        (
            "buckets not cumulative",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n"
        ),
        (
            "buckets not ascending",
            "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"
        ),
        ("no +Inf bucket", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"),
        ("+Inf differs from _count", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n"),
        ("no _sum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n"),
        ("bucket after _count", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\nh_bucket{le=\"5\"} 1\n"),
    ])
    func rejects(_ problem: String, _ text: String) {
        #expect(throws: Exposition.ParseError.self, "\(problem)") {
            try Exposition(parsing: text)
        }
    }
}
