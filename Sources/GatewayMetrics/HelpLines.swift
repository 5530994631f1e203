/// Puts a `# HELP` line in front of the `# TYPE` line of each SPEC §8 family.
///
/// The registry writes HELP only for a non-empty help text, and `PrometheusMetricsFactory`
/// always registers with an empty one. Registering a family with help text through the registry
/// first does not work either: the factory's later registration of the same name, with its empty
/// help, hits the registry's help-mismatch `fatalError`. The registry writes exactly one TYPE line
/// per family, so adding HELP in front of it keeps each family's lines together.
func addingHelpLines(to exposition: String) -> String {
    var result = ""
    result.reserveCapacity(exposition.utf8.count + 80 * MetricFamily.allCases.count)
    // The registry writes no empty lines, so dropping empty subsequences loses nothing.
    for line in exposition.split(separator: "\n") {
        if line.hasPrefix("# TYPE "),
            let family = MetricFamily(rawValue: String(line.dropFirst(7).prefix { $0 != " " }))
        {
            result += "# HELP \(family.rawValue) \(family.help)\n"
        }
        result += line
        result += "\n"
    }
    return result
}
